/** `kind/name` as kubectl accepts it, and manifests. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/args.ts';
import { KubeEventsError } from '../../../src/errors.ts';
import { findKind, KNOWN_KINDS, resolveKindName } from '../../../src/cli/kinds.ts';
import { Readable } from 'node:stream';
import { ManifestError, manifestRef, readManifest } from '../../../src/cli/manifest.ts';

const resolve = (argument: string, extra: { apiVersion?: string; clusterScoped?: boolean } = {}) =>
  resolveKindName(argument, { namespace: 'shop', what: 'kind/name', command: 'publish', ...extra });

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    // One error family: a CLI user's catch (error instanceof KubeEventsError) sees usage errors too.
    expect(error).toBeInstanceOf(KubeEventsError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('resolveKindName', () => {
  it.each(['pod/web-0', 'pods/web-0', 'Pod/web-0', 'po/web-0', 'PODS/web-0'])('%s → a Pod in the namespace', (arg) => {
    expect(resolve(arg)).toEqual({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-0' });
  });

  it.each([
    ['deployment/web', 'apps/v1', 'Deployment', true],
    ['deploy/web', 'apps/v1', 'Deployment', true],
    ['deployments.apps/web', 'apps/v1', 'Deployment', true],
    ['sts/web', 'apps/v1', 'StatefulSet', true],
    ['ds/web', 'apps/v1', 'DaemonSet', true],
    ['rs/web', 'apps/v1', 'ReplicaSet', true],
    ['job/web', 'batch/v1', 'Job', true],
    ['cj/web', 'batch/v1', 'CronJob', true],
    ['svc/web', 'v1', 'Service', true],
    ['cm/web', 'v1', 'ConfigMap', true],
    ['secret/web', 'v1', 'Secret', true],
    ['pvc/web', 'v1', 'PersistentVolumeClaim', true],
    ['sa/web', 'v1', 'ServiceAccount', true],
    ['role/web', 'rbac.authorization.k8s.io/v1', 'Role', true],
    ['ing/web', 'networking.k8s.io/v1', 'Ingress', true],
    ['node/web', 'v1', 'Node', false],
    ['ns/web', 'v1', 'Namespace', false],
    ['pv/web', 'v1', 'PersistentVolume', false],
    ['clusterrole/web', 'rbac.authorization.k8s.io/v1', 'ClusterRole', false],
    ['crd/web', 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', false],
  ])('%s → %s %s (namespaced: %s)', (arg, apiVersion, kind, namespaced) => {
    expect(resolve(arg)).toEqual({ apiVersion, kind, name: 'web', ...(namespaced ? { namespace: 'shop' } : {}) });
  });

  it('every known kind is found by its plural, singular and Kind', () => {
    for (const known of KNOWN_KINDS) {
      for (const name of [...known.names, known.kind]) expect(findKind(name)).toBe(known);
    }
    expect(findKind('deployments.batch')).toBeUndefined();
  });

  it('a name may contain ":" (system:controller:x)', () => {
    expect(resolve('clusterrole/system:controller:x').name).toBe('system:controller:x');
  });

  it('an unknown kind is a usage error with a hint naming -f and --api-version', () => {
    const error = usageError(() => resolve('widget/w1'));
    expect(error.message).toBe('kind/name: unknown kind "widget"');
    expect(error.hint).toMatch(/^Use -f with the object's manifest, or --api-version/);
  });

  it('--api-version names any kind (namespaced unless --cluster-scoped), or overrides a known one', () => {
    expect(resolve('Widget/w1', { apiVersion: 'example.com/v1' })).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      namespace: 'shop',
      name: 'w1',
    });
    expect(resolve('widget/w1', { apiVersion: 'example.com/v1', clusterScoped: true })).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      name: 'w1',
    });
    expect(resolve('deploy/web', { apiVersion: 'apps/v1beta2' }).apiVersion).toBe('apps/v1beta2');
  });

  it.each(['web-0', 'pod/', '/web-0', 'pod/a/b', ''])('"%s" is malformed', (arg) => {
    expect(usageError(() => resolve(arg)).message).toBe(`kind/name: expected <kind>/<name>, got "${arg}"`);
  });
});

describe('manifestRef', () => {
  const ref = (content: string, namespace = 'shop') => manifestRef(content, { file: 'm.yaml', namespace });

  it('YAML from kubectl get -o yaml: apiVersion, kind, namespace, name, uid', () => {
    const yaml =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  uid: u-1\n  resourceVersion: "7"\nspec: {}\n';
    expect(ref(yaml)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'prod',
      name: 'web',
      uid: 'u-1',
    });
  });

  it('JSON; a namespaced object without a namespace gets the default one; only the first document counts', () => {
    expect(ref('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'shop',
      name: 'p',
    });
    expect(ref('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Pod\n')).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'n1',
    });
  });

  it.each([
    ['not Kubernetes YAML', 'just: some\nyaml: here\n', /not a Kubernetes object/],
    ['a list', '- a\n- b\n', /not a Kubernetes object/],
    ['no name', 'apiVersion: v1\nkind: Pod\nmetadata: {}\n', /metadata\.name/],
    ['broken YAML', 'apiVersion: v1\nkind: [Pod\n', /^m\.yaml: not YAML or JSON: /],
    ['empty', '', /^m\.yaml: (no document found|not a Kubernetes object)/],
  ])('%s: a one-line ManifestError naming the file', (_name, content, message) => {
    let caught: unknown;
    try {
      ref(content);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});

describe('readManifest', () => {
  it("reads '-' from standard input, as kubectl's -f -", async () => {
    const stdin = Readable.from(['apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-stdin\n']);
    expect(await readManifest('-', { namespace: 'shop', stdin })).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'shop',
      name: 'from-stdin',
    });
    await expect(readManifest('-', { namespace: 'shop', stdin: Readable.from(['not: [kubernetes']) })).rejects.toThrow(
      /^<stdin>: /,
    );
  });
});
