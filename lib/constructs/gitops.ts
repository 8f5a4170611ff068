import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { groupOf, isBuiltInGroup } from '../render/kube-api';
import { DNS_LABEL } from './kube-names';
import { checkProps, describeValue, enumChoices, oneOf, PropShape } from './known-props';

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
   * Folder of the synthesized manifests inside the repository (for a MonitoringStack, the output
   * folder: the stack adds its own subfolder).
   * @default 'dist'
   */
  readonly path?: string;
  /**
   * Branch (or, for Argo CD, also a tag or commit) to follow.
   * @default 'main'
   */
  readonly targetRevision?: string;
  /**
   * The controller that applies the output. One only: two controllers pruning the same objects
   * fight over them.
   */
  readonly tool: GitOpsTool;
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

/** The props of {@link GitOpsBootstrap}, for checking them where another construct takes them as one of its own. */
const GITOPS_BOOTSTRAP_PROPS: PropShape<GitOpsBootstrapProps> = {
  repoUrl: true, path: true, targetRevision: true, tool: oneOf(GitOpsTool, 'GitOpsTool'), name: true, argoCdNamespace: true, fluxNamespace: true, automatedSync: 'boolean',
};

/**
 * Throws on a prop {@link GitOpsBootstrap} does not have, a tool it does not know, or a repoUrl that is no Git URL,
 * naming the prop with `at` before it: a construct that takes these props as one of its own (`gitOps.`) checks them
 * under its own name before it builds anything.
 */
export function checkGitOpsBootstrapProps(construct: string, props: GitOpsBootstrapProps, at = ''): void {
  checkProps(construct, props, GITOPS_BOOTSTRAP_PROPS, at);
  if (props.tool === undefined) throw new Error(`${at}tool is undefined but must be ${enumChoices(GitOpsTool, 'GitOpsTool')}`);
  if (typeof props.repoUrl !== 'string' || !/^(https?|ssh):\/\/\S+$|^git@[^\s:]+:\S+$/.test(props.repoUrl)) {
    throw new Error(`${at}repoUrl is ${describeValue(props.repoUrl)} but must be a Git URL such as 'https://git.example.com/ops/cluster.git' or 'git@git.example.com:ops/cluster.git'`);
  }
}

/** The annotation Argo CD orders a sync by. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** The annotation that carries Argo CD sync options for one object. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** The kinds of GitOps bootstrap objects, by API group: how a file of them is recognised (by its content, never its name). */
export const BOOTSTRAP_KINDS: ReadonlyArray<{ group: string; kind: string }> = [
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository' },
  { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization' },
];

/** Whether every object of a file is a GitOps bootstrap object (so deploy leaves the file to the person who bootstraps). */
export function isBootstrapFile(objects: ReadonlyArray<{ apiVersion: string; kind: string }>): boolean {
  return objects.length > 0 && objects.every(o => BOOTSTRAP_KINDS.some(b => b.kind === o.kind && groupOf(o.apiVersion) === b.group));
}

/**
 * Objects that point Argo CD or Flux at the synthesized output in Git. A stack writes them beside
 * its folder (`dist/<stack>.gitops.k8s.yaml`), never inside it, so the controller that syncs the
 * folder does not manage its own bootstrap; they are applied once by hand.
 *
 * Argo CD must track resources by annotation (`application.resourceTrackingMethod: annotation` in
 * `argocd-cm`, the default from Argo CD 3.0): label tracking rewrites `app.kubernetes.io/instance`,
 * which kube-prometheus-stack's ServiceMonitors select their Services by.
 */
export class GitOpsBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: GitOpsBootstrapProps) {
    super(scope, id);
    checkGitOpsBootstrapProps(`GitOpsBootstrap '${id}'`, props);
    const path = (props.path ?? 'dist').replace(/^\.?\/+|\/+$/g, '');
    if (path === '' || path.split('/').includes('..')) {
      throw new Error(`path is '${props.path}' but must be a folder inside the repository, such as 'dist' or 'clusters/homelab/dist'`);
    }
    const revision = props.targetRevision ?? 'main';
    const name = props.name ?? 'monitoring-stack';
    for (const [prop, value] of [['name', name], ['argoCdNamespace', props.argoCdNamespace], ['fluxNamespace', props.fluxNamespace]]) {
      if (value !== undefined && !DNS_LABEL.test(value)) {
        throw new Error(`${prop} is '${value}' but must be a DNS label: lowercase letters, digits and '-', at most 63 characters`);
      }
    }

    if (props.tool === GitOpsTool.ARGO_CD) {
      new ApiObject(this, 'Application', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace: props.argoCdNamespace ?? 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: props.repoUrl, targetRevision: revision, path },
          destination: { server: 'https://kubernetes.default.svc' },
          syncPolicy: {
            syncOptions: ['ServerSideApply=true'],
            ...(props.automatedSync && { automated: { prune: true, selfHeal: true } }),
          },
        },
      });
    }
    if (props.tool === GitOpsTool.FLUX) {
      const namespace = props.fluxNamespace ?? 'flux-system';
      const ref = /^[0-9a-f]{40}$/.test(revision) ? { commit: revision } : { branch: revision };
      new ApiObject(this, 'GitRepository', {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, namespace },
        // Only the manifests' folder reaches the Kustomization.
        spec: { interval: '5m', url: props.repoUrl, ref, ignore: `/*\n!/${path}/\n` },
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

/** The Argo CD annotations of an object of `apiVersion` in sync wave `wave`. */
export function syncAnnotations(apiVersion: string, wave: number): Record<string, string> {
  const custom = !isBuiltInGroup(groupOf(apiVersion));
  return {
    [SYNC_WAVE_ANNOTATION]: String(wave),
    [SYNC_OPTIONS_ANNOTATION]: custom ? 'ServerSideApply=true,SkipDryRunOnMissingResource=true' : 'ServerSideApply=true',
  };
}
