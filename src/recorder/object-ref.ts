/** References to objects, from any Kubernetes object shape, without the fields that would split a series. */
import { ValidationError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';

/** Any Kubernetes object: @kubernetes/client-node models, kubernetes-models, plain JSON. */
export interface KubernetesObjectLike {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: { name?: string | undefined; namespace?: string | undefined; uid?: string | undefined } | undefined;
}

/**
 * A reference to `object` for `regarding` or `secondary`: apiVersion, kind, namespace, name and uid,
 * never resourceVersion (it changes on every update and would start a new series each time).
 * @param fieldPath optional, e.g. `spec.containers{app}`
 * @throws ValidationError when kind or metadata.name is missing
 * @example objectRef(pod) // { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: '…' }
 */
export function objectRef(object: KubernetesObjectLike, fieldPath?: string): ObjectReference {
  const kind = object.kind;
  const name = object.metadata?.name;
  if (kind === undefined || kind === '') {
    throw new ValidationError(
      'kind',
      'the object has no kind (objects from list calls often lack it: set it, e.g. { ...pod, kind: "Pod" })',
    );
  }
  if (name === undefined || name === '') throw new ValidationError('metadata.name', `the ${kind} has no name`);
  return normalizeRef({
    kind,
    name,
    apiVersion: object.apiVersion,
    namespace: object.metadata?.namespace,
    uid: object.metadata?.uid,
    fieldPath,
  });
}

/** Keeps only the identifying fields (and fieldPath when set), dropping empty ones. */
export function normalizeRef(ref: ObjectReference): ObjectReference {
  const out: ObjectReference = {};
  if (ref.apiVersion !== undefined && ref.apiVersion !== '') out.apiVersion = ref.apiVersion;
  if (ref.kind !== undefined && ref.kind !== '') out.kind = ref.kind;
  if (ref.namespace !== undefined && ref.namespace !== '') out.namespace = ref.namespace;
  if (ref.name !== undefined && ref.name !== '') out.name = ref.name;
  if (ref.uid !== undefined && ref.uid !== '') out.uid = ref.uid;
  if (ref.fieldPath !== undefined && ref.fieldPath !== '') out.fieldPath = ref.fieldPath;
  return out;
}
