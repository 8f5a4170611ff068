// The apiVersion + kind pairs Kubernetes 1.28 serves: the GVK of every class in cdk8s-plus-28's generated k8s module.
import { k8s } from 'cdk8s-plus-28';
import { compare } from './api-discovery';

/** `apiVersion kind` of every kind Kubernetes 1.28 serves, lists and meta/v1 Status included; sorted. */
export const KUBERNETES_1_28_KINDS: readonly string[] = Object.values(k8s as unknown as Record<string, { GVK?: { apiVersion: string; kind: string } }>)
  .filter(c => c && c.GVK)
  .map(c => `${c.GVK!.apiVersion} ${c.GVK!.kind}`)
  .sort(compare);
