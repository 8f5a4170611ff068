import { IConstruct } from 'constructs';
import { Longhorn } from './longhorn';
import { KubeManifest } from '../render/manifest-parse';

/** A construct that holds a Longhorn, such as a whole `MonitoringStack` (a cluster with its own output folder). */
export interface ILonghornTarget extends IConstruct {
  /** The Longhorn the objects configure. */
  readonly longhorn: Longhorn;
}

/** Where Longhorn objects go: a whole `MonitoringStack` (any {@link ILonghornTarget}), or a {@link Longhorn} used on its own. */
export type LonghornTarget = ILonghornTarget | Longhorn;

/** The Longhorn of `target`. */
export function longhornOf(target: LonghornTarget): Longhorn {
  return target instanceof Longhorn ? target : target.longhorn;
}

/** The rendered CRD of a longhorn.io kind, if the chart was rendered. */
export function longhornCrd(longhorn: Longhorn, kind: string): KubeManifest | undefined {
  return longhorn.rendered?.manifests.find(m => m.kind === 'CustomResourceDefinition'
    && (m.spec as { group?: string; names?: { kind?: string } }).group === 'longhorn.io'
    && (m.spec as { names?: { kind?: string } }).names?.kind === kind);
}

/** The `spec` properties of the v1beta2 schema of a rendered longhorn.io CRD. */
export function longhornSpecSchema(longhorn: Longhorn, kind: string): Record<string, { enum?: string[] }> | undefined {
  const versions = (longhornCrd(longhorn, kind)?.spec as { versions?: Array<{ name: string; schema?: { openAPIV3Schema?: any } }> } | undefined)?.versions;
  return versions?.find(v => v.name === 'v1beta2')?.schema?.openAPIV3Schema?.properties?.spec?.properties;
}
