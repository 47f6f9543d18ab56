/**
 * `kind/name` as kubectl accepts it (`pod/web-0`, `pods/web-0`, `Pod/web-0`, `deploy/web`,
 * `deployments.apps/web`) turned into an object reference, from a small table of common kinds.
 * Other kinds need `--api-version` (or a manifest with `-f`).
 */
import type { ObjectReference } from '../types.ts';
import { UsageError } from './args.ts';

/** A kind the CLI knows: its apiVersion, whether it is namespaced, and kubectl's names for it. */
export interface KnownKind {
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  /** Plural, singular and short names, lower case. */
  names: readonly string[];
}

const kind = (kind: string, apiVersion: string, namespaced: boolean, ...names: string[]): KnownKind => ({
  kind,
  apiVersion,
  namespaced,
  names: [kind.toLowerCase(), ...names],
});

/** Common kinds, with the names `kubectl api-resources` lists for them. */
export const KNOWN_KINDS: readonly KnownKind[] = [
  kind('Pod', 'v1', true, 'pods', 'po'),
  kind('Node', 'v1', false, 'nodes', 'no'),
  kind('Service', 'v1', true, 'services', 'svc'),
  kind('ConfigMap', 'v1', true, 'configmaps', 'cm'),
  kind('Secret', 'v1', true, 'secrets'),
  kind('Namespace', 'v1', false, 'namespaces', 'ns'),
  kind('PersistentVolume', 'v1', false, 'persistentvolumes', 'pv'),
  kind('PersistentVolumeClaim', 'v1', true, 'persistentvolumeclaims', 'pvc'),
  kind('ServiceAccount', 'v1', true, 'serviceaccounts', 'sa'),
  kind('Deployment', 'apps/v1', true, 'deployments', 'deploy'),
  kind('StatefulSet', 'apps/v1', true, 'statefulsets', 'sts'),
  kind('DaemonSet', 'apps/v1', true, 'daemonsets', 'ds'),
  kind('ReplicaSet', 'apps/v1', true, 'replicasets', 'rs'),
  kind('Job', 'batch/v1', true, 'jobs'),
  kind('CronJob', 'batch/v1', true, 'cronjobs', 'cj'),
  kind('ClusterRole', 'rbac.authorization.k8s.io/v1', false, 'clusterroles'),
  kind('Role', 'rbac.authorization.k8s.io/v1', true, 'roles'),
  kind('Ingress', 'networking.k8s.io/v1', true, 'ingresses', 'ing'),
  kind('CustomResourceDefinition', 'apiextensions.k8s.io/v1', false, 'customresourcedefinitions', 'crd', 'crds'),
];

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

/** The known kind for `pods`, `Pod`, `po` or `deployments.apps`; undefined for others. */
export function findKind(resource: string): KnownKind | undefined {
  const lower = resource.toLowerCase();
  const dot = lower.indexOf('.');
  const name = dot === -1 ? lower : lower.slice(0, dot);
  const group = dot === -1 ? undefined : lower.slice(dot + 1);
  return KNOWN_KINDS.find(
    (known) => known.names.includes(name) && (group === undefined || groupOf(known.apiVersion) === group),
  );
}

/** Cluster-scoped objects carry no namespace; a kind not in the table counts as namespaced. */
export function isNamespaced(kindName: string): boolean {
  return findKind(kindName)?.namespaced ?? true;
}

/** How a `kind/name` argument is resolved. */
export interface ResolveOptions {
  /** The namespace of namespaced objects (`-n`, else the context's). */
  namespace: string;
  /** `--api-version`: names any kind (taken as written, first letter upper-cased), or overrides a known one's. */
  apiVersion?: string | undefined;
  /** `--cluster-scoped`: the object has no namespace (for kinds outside the table). */
  clusterScoped?: boolean | undefined;
  /** The flag or argument, for messages: `--related`, or `kind/name`. */
  what: string;
  /** The command, for the hint. */
  command: string;
}

/**
 * `pod/web-0` → `{ apiVersion: 'v1', kind: 'Pod', namespace, name: 'web-0' }`.
 * @throws UsageError for a malformed argument or an unknown kind without `--api-version`
 */
export function resolveKindName(argument: string, options: ResolveOptions): ObjectReference {
  const slash = argument.indexOf('/');
  const resource = slash === -1 ? '' : argument.slice(0, slash);
  const name = slash === -1 ? '' : argument.slice(slash + 1);
  if (resource === '' || name === '' || name.includes('/')) {
    throw new UsageError(
      `${options.what}: expected <kind>/<name>, got "${argument}"`,
      `For example pod/web-0, deployment/web or node/n1; or use -f with the object's manifest.`,
    );
  }
  const known = findKind(resource);
  if (known === undefined && options.apiVersion === undefined) {
    throw new UsageError(
      `${options.what}: unknown kind "${resource}"`,
      `Use -f with the object's manifest, or --api-version to name any kind (e.g. --api-version example.com/v1 Widget/${name}). Known kinds: ${KNOWN_KINDS.map((k) => k.names[1]).join(', ')}.`,
    );
  }
  const kindName = known?.kind ?? resource.charAt(0).toUpperCase() + resource.slice(1);
  const namespaced = options.clusterScoped === true ? false : (known?.namespaced ?? true);
  return {
    apiVersion: options.apiVersion ?? known?.apiVersion ?? '',
    kind: kindName,
    ...(namespaced ? { namespace: options.namespace } : {}),
    name,
  };
}
