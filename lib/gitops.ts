import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { groupOf, isBuiltInGroup } from './kube-scope';

/** GitOps controllers this library writes bootstrap objects for. */
export enum GitOpsTool {
  /** Argo CD: an `Application`. */
  ARGO_CD = 'argo-cd',
  /** Flux: a `GitRepository` and a `Kustomization`. */
  FLUX = 'flux',
}

/** Props of {@link GitOpsBootstrap}. */
export interface GitOpsBootstrapProps {
  /** URL of the Git repository that holds the synthesized output (e.g. 'https://git.example.com/ops/cluster.git'). */
  readonly repoUrl: string;
  /**
   * Folder of the synthesized output inside the repository.
   * @default 'dist'
   */
  readonly path?: string;
  /**
   * Branch (or, for Argo CD, also a tag or commit) to follow.
   * @default 'main'
   */
  readonly targetRevision?: string;
  /**
   * Which controllers to write bootstrap objects for.
   * @default [GitOpsTool.ARGO_CD, GitOpsTool.FLUX]
   */
  readonly tools?: GitOpsTool[];
  /**
   * Name of the Application / Kustomization / GitRepository.
   * @default 'monitoring-stack'
   */
  readonly name?: string;
  /**
   * Namespace Argo CD watches for Applications.
   * @default 'argocd'
   */
  readonly argoCdNamespace?: string;
  /**
   * Namespace of Flux's controllers.
   * @default 'flux-system'
   */
  readonly fluxNamespace?: string;
  /**
   * Whether Argo CD syncs on its own (with prune and self-heal); otherwise it waits for a manual sync.
   * @default false
   */
  readonly automatedSync?: boolean;
}

/** Files holding bootstrap objects are named like this; the controllers are told to skip them. */
export const BOOTSTRAP_FILE_GLOB = '*-gitops-*.k8s.yaml';

/** The annotation Argo CD orders a sync by. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** The annotation that carries Argo CD sync options for one object. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * Objects that point Argo CD and/or Flux at the synthesized output in Git. They live in their own
 * file, applied once by hand (`kubectl apply -f dist/*-gitops-*.k8s.yaml`); the controllers skip that
 * file so they do not manage themselves.
 */
export class GitOpsBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: GitOpsBootstrapProps) {
    super(scope, id);
    if (!/^(https?|ssh):\/\/\S+$|^git@[^\s:]+:\S+$/.test(props.repoUrl)) {
      throw new Error(`repoUrl is '${props.repoUrl}' but must be a Git URL such as 'https://git.example.com/ops/cluster.git' or 'git@git.example.com:ops/cluster.git'`);
    }
    const path = (props.path ?? 'dist').replace(/^\.?\/+|\/+$/g, '');
    if (path === '' || path.split('/').includes('..')) {
      throw new Error(`path is '${props.path}' but must be a folder inside the repository, such as 'dist' or 'clusters/homelab/dist'`);
    }
    const revision = props.targetRevision ?? 'main';
    const name = props.name ?? 'monitoring-stack';
    const tools = props.tools ?? [GitOpsTool.ARGO_CD, GitOpsTool.FLUX];

    if (tools.includes(GitOpsTool.ARGO_CD)) {
      new ApiObject(this, 'Application', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace: props.argoCdNamespace ?? 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: props.repoUrl, targetRevision: revision, path, directory: { exclude: BOOTSTRAP_FILE_GLOB } },
          destination: { server: 'https://kubernetes.default.svc' },
          syncPolicy: {
            syncOptions: ['ServerSideApply=true'],
            ...(props.automatedSync && { automated: { prune: true, selfHeal: true } }),
          },
        },
      });
    }
    if (tools.includes(GitOpsTool.FLUX)) {
      const namespace = props.fluxNamespace ?? 'flux-system';
      const ref = /^[0-9a-f]{40}$/.test(revision) ? { commit: revision } : { branch: revision };
      new ApiObject(this, 'GitRepository', {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, namespace },
        // Only the output folder, without the bootstrap file, reaches the Kustomization.
        spec: { interval: '5m', url: props.repoUrl, ref, ignore: `/*\n!/${path}/\n/${path}/${BOOTSTRAP_FILE_GLOB}\n` },
      });
      new ApiObject(this, 'Kustomization', {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace },
        // Flux applies server-side and puts CRDs and namespaces first by itself.
        spec: { interval: '10m', path: `./${path}`, prune: true, sourceRef: { kind: 'GitRepository', name }, timeout: '5m' },
      });
    }
  }
}

/**
 * Marks every object of `chart` for Argo CD: its sync wave, server-side apply, and, on custom
 * resources, no dry run before their CRD exists (Argo CD dry-runs the whole sync up front).
 * Applied when the app is synthesized, so objects added to the chart later are marked too.
 */
export function addSyncWave(chart: Chart, wave: number): void {
  chart.node.addValidation({
    validate: () => {
      for (const object of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)) {
        const custom = !isBuiltInGroup(groupOf(object.apiVersion));
        object.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
        object.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, custom ? 'ServerSideApply=true,SkipDryRunOnMissingResource=true' : 'ServerSideApply=true');
      }
      return [];
    },
  });
}
