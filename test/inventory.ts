/** An object as synthesized: arbitrary JSON under apiVersion, kind and metadata. */
export type SynthesizedObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

/** `Kind namespace/name` of each object, in output order: a readable, stable snapshot of a render. */
export function inventory(objects: readonly SynthesizedObject[]): string[] {
  return objects.map(o => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
}

/** The one object of `kind` named `name`; fails the test if there is none or more than one. */
export function findObject(objects: readonly SynthesizedObject[], kind: string, name: string): SynthesizedObject {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named ${name}, found ${found.length}; have: ${inventory(objects.filter(o => o.kind === kind)).join(', ')}`);
  }
  return found[0];
}

/** Every object of `kind`. */
export function objectsOfKind(objects: readonly SynthesizedObject[], kind: string): SynthesizedObject[] {
  return objects.filter(o => o.kind === kind);
}
