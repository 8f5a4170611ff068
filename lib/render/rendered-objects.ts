import { ApiObject, App, ImplicitTokenResolver, IResolver, JsonPatch, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterApi, isClusterScoped, kubernetesVersionOf } from './kube-api';
import { KubeManifest } from './manifest-parse';
import { transformRender, TransformOptions } from './pipeline';
import { beginRender, RenderRequest, RenderedChart, helmDescription } from './render';
import { DroppedHook, reportOf } from './report';
import { isTestedVersion } from './charts';

/** Where a Helm-rendered construct puts what it renders. */
export interface RenderPlacement {
  /** Scope for the chart's objects. */
  readonly scope: Construct;
  /** Scope for the chart's CustomResourceDefinitions, which must be applied before anything uses them. */
  readonly crdScope: Construct;
}

/** The objects one Helm render added to the app. */
export interface RenderedObjects {
  /** Every object added, CRDs included, in helm's install order. */
  readonly apiObjects: RenderedObject[];
  /** The manifests behind {@link apiObjects}, after every transform (index i is apiObjects[i]'s). */
  readonly manifests: readonly KubeManifest[];
  /** Hook objects the render left out. */
  readonly droppedHooks: readonly DroppedHook[];
}

/**
 * Renders a chart, runs the render transforms (`pipeline.ts`) and only then adds each object to the
 * app, CRDs into their own scope. Returns undefined when the chart is missing (the app then fails at
 * synth with one message listing every missing chart). Inside {@link startTogether}, helm runs while the
 * app goes on, and the objects are added when the batch ends or when something reads them, whichever is first.
 */
export function addRenderedObjects(placement: RenderPlacement, request: RenderRequest, options: Omit<TransformOptions, 'namespace'>): RenderedObjects | undefined {
  // The APIs the cluster is declared to serve are what helm's .Capabilities.APIVersions has.
  const apiVersions = request.apiVersions ?? ClusterApi.declaredFor(placement.scope).map(a => a.apiVersion);
  const kubernetesVersion = request.kubernetesVersion ?? kubernetesVersionOf(placement.scope, `${request.chart.name} (${placement.scope.node.path})`);
  const pending = beginRender({ ...request, apiVersions, kubernetesVersion }, placement.scope);
  if (!pending) return undefined;
  let added: RenderedObjects | undefined;
  const add = (): RenderedObjects => {
    if (added) return added;
    const rendered = pending.result();
    const { manifests, notes } = transformRender(rendered.documents.map(d => d.manifest), { ...options, namespace: request.namespace });
    const sourceOf = new Map(rendered.documents.map(d => [d.manifest, d]));
    const crds = manifests.filter(m => m.kind === 'CustomResourceDefinition');
    const apiObjects = manifests.map(manifest => {
      const scope = manifest.kind === 'CustomResourceDefinition' ? placement.crdScope : placement.scope;
      const id = [manifest.kind, manifest.metadata.namespace, manifest.metadata.name].filter(Boolean).join('-');
      const source = sourceOf.get(manifest);
      return new RenderedObject(scope, id, manifest, isClusterScoped(manifest, crds), source?.text, source?.digest);
    });
    reportRender(placement.scope, request, rendered, manifests.length, notes.droppedHooks);
    added = { apiObjects, manifests, droppedHooks: notes.droppedHooks };
    return added;
  };
  if (!batch) return add();
  // Added in the order the renders were asked for, whichever is read first, so the output's order never
  // depends on what read what.
  const queue = batch;
  queue.push(add);
  const upTo = () => {
    while (queue.length > 0 && !added) queue.shift()!();
    return add();
  };
  return {
    get apiObjects() { return upTo().apiObjects; },
    get manifests() { return upTo().manifests; },
    get droppedHooks() { return upTo().droppedHooks; },
  };
}

/** The renders begun inside {@link startTogether} whose objects are not added yet, in the order asked. */
let batch: Array<() => RenderedObjects> | undefined;

/**
 * Runs `build`, in which every chart render starts helm at once and goes on (measured on the 2-core build machine,
 * `npm run bench`: the reference stack's two renders side by side take its cold synth from 1.13 s to 1.00 s, the
 * same output byte for byte), and returns what it built with `finish`, which adds every render's objects, in the
 * order the renders were asked for (as reading any of them does first), so the tree is the same as without it.
 * Between the two, the app can start more renders (a MonitoringApp's next stack).
 */
export function startTogether<T>(build: () => T): { built: T; finish: () => void } {
  const outer = batch;
  const queue: Array<() => RenderedObjects> = [];
  batch = queue;
  try {
    return { built: build(), finish: () => { while (queue.length > 0) queue.shift()!(); } };
  } finally {
    batch = outer;
  }
}

function reportRender(scope: Construct, request: RenderRequest, rendered: RenderedChart, objectCount: number, droppedHooks: readonly DroppedHook[]): void {
  reportOf(scope).renders.push({
    chart: request.chart.name, version: request.version, tested: isTestedVersion(request.chart, request.version),
    source: rendered.resolved.source, release: request.releaseName, namespace: request.namespace,
    helm: helmDescription(), cache: rendered.cache, objectCount, droppedHooks,
    helmTemplate: { chartPath: rendered.resolved.path, flags: rendered.flags, values: request.values },
  });
}

/**
 * An object from a Helm render. Its manifest is final and in canonical form when it is made, so
 * its JSON is not walked again (cdk8s' resolve and sanitize cost a quarter second per synth on
 * the prometheus-operator CRDs alone); metadata the app adds (chart labels, annotations) and JSON
 * patches still apply, and an app with its own resolvers gets cdk8s' full path. Cluster-scoped objects
 * never carry a Chart's namespace.
 */
export class RenderedObject extends ApiObject {
  private readonly ownPatches: JsonPatch[] = [];

  constructor(
    scope: Construct,
    id: string,
    /** The manifest after every render transform (shared; never change it). */
    public readonly manifest: KubeManifest,
    /** Whether the object's kind is cluster-scoped. */
    public readonly clusterScoped: boolean,
    /** The document as helm wrote it: written as it is when nothing changed the object. */
    public readonly sourceText?: string,
    /** The render's digest of {@link sourceText}, which identifies it (computed from the text when not given). */
    public readonly sourceDigest?: string,
  ) {
    super(scope, id, manifest);
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    super.addJsonPatch(...ops);
    this.ownPatches.push(...ops);
  }

  /**
   * Whether the object is exactly the rendered manifest: no JSON patch, and metadata as rendered
   * (no Chart label, annotation or namespace added). Such objects can be written as helm wrote them.
   * cdk8s' metadata leaves out empty maps and lists (`annotations: {}`, which kube-prometheus-stack's 25 dashboard
   * ConfigMaps carry): an object that differs only by them is unchanged too, and its text keeps them, which the API
   * server reads the same way (serializing those dashboards again cost a cold synth ~100 ms: 440 KB of YAML).
   */
  public get unchanged(): boolean {
    if (this.ownPatches.length > 0 || this.sourceText === undefined) return false;
    const metadata = this.metadataJson();
    return JSON.stringify(metadata) === JSON.stringify(withoutEmpty(this.manifest.metadata) ?? {});
  }

  /**
   * The object's JSON, the caller's own to change: parts of a rendered manifest are shared with the
   * in-process render cache (and every other construct rendered from the same chart and values), so
   * they are copied here. The output writer reads {@link sharedJson} instead, and changes nothing.
   */
  public toJson(): any {
    return structuredClone(this.sharedJson());
  }

  /** The object's JSON, sharing parts with the rendered manifest: read it, never change it. */
  public sharedJson(): any {
    if (App.of(this).resolvers.some(isAppResolver)) {
      const json = super.toJson();
      if (this.clusterScoped) delete json.metadata.namespace;
      return json;
    }
    const { apiVersion, kind, metadata: _rendered, ...rest } = this.manifest;
    const json = { apiVersion, kind, metadata: this.metadataJson(), ...rest };
    if (this.ownPatches.length === 0) return json;
    const patched = JsonPatch.apply(structuredClone(json), ...this.ownPatches);
    return { apiVersion: patched.apiVersion, kind: patched.kind, metadata: patched.metadata, ...patched };
  }

  private metadataJson(): any {
    const metadata = this.metadata.toJson();
    if (this.clusterScoped) delete metadata.namespace;
    return metadata;
  }
}

/** A value without the empty maps and lists in it, at any depth, as cdk8s' metadata leaves them out (undefined if nothing is left). */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(withoutEmpty);
  if (value === null || typeof value !== 'object') return value;
  const kept = Object.entries(value).map(([key, item]) => [key, withoutEmpty(item)] as const).filter(([, item]) => item !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/**
 * Whether a resolver is one the app added, not one of cdk8s' own (lazy values, tokens, int-or-string), which a
 * rendered manifest never needs: it holds plain JSON from helm, with no Lazy, token or IntOrString in it.
 */
function isAppResolver(resolver: IResolver): boolean {
  return !(resolver instanceof LazyResolver || resolver instanceof ImplicitTokenResolver || resolver instanceof NumberStringUnionResolver);
}
