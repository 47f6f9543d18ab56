/** References to objects, from any Kubernetes object shape, without the fields that would split a series. */
import { ValidationError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';
import { asValidationError, checkRef, describeValue } from './validate.ts';

/** Any Kubernetes object: @kubernetes/client-node models, kubernetes-models, plain JSON. */
export interface KubernetesObjectLike {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: { name?: string | undefined; namespace?: string | undefined; uid?: string | undefined } | undefined;
}

/** Field names as the object has them: apiVersion and kind at the top, the rest under metadata. */
const objectFieldName = (key: keyof ObjectReference): string =>
  key === 'fieldPath'
    ? 'fieldPath'
    : key === 'apiVersion' || key === 'kind'
      ? `object.${key}`
      : `object.metadata.${key}`;

/**
 * A reference to `object` for `regarding` or `secondary`: apiVersion, kind, namespace, name and uid,
 * never resourceVersion (it changes on every update and would start a new series each time).
 * @param fieldPath optional, e.g. `spec.containers{app}`
 * @throws ValidationError naming `object` when it is not an object, `object.kind` or
 *   `object.metadata.name` when missing, the field when one is not a string (or the namespace not a
 *   DNS label), `fieldPath` when it is not a string
 * @example objectRef(pod) // { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: '…' }
 */
export function objectRef(object: KubernetesObjectLike, fieldPath?: string): ObjectReference {
  if (typeof object !== 'object' || object === null) {
    const got = `must be a Kubernetes object { kind, metadata: { name } }, got ${describeValue(object)}`;
    throw new ValidationError('object', got);
  }
  if (fieldPath !== undefined && typeof fieldPath !== 'string') {
    throw new ValidationError('fieldPath', `must be a string, got ${describeValue(fieldPath)}`);
  }
  let ref: Record<string, unknown>;
  try {
    const metadata: unknown = object.metadata;
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null)) {
      throw new ValidationError('object.metadata', `must be an object, got ${describeValue(metadata)}`);
    }
    const meta = (metadata ?? {}) as Record<string, unknown>;
    const kind: unknown = object.kind;
    if (kind === undefined || kind === '') {
      throw new ValidationError(
        'object.kind',
        'the object has no kind (objects from list calls often lack it: set it, e.g. { ...pod, kind: "Pod" })',
      );
    }
    const name = meta.name;
    if (name === undefined || name === '') {
      throw new ValidationError(
        'object.metadata.name',
        `the ${typeof kind === 'string' ? kind : 'object'} has no name`,
      );
    }
    ref = { kind, name, apiVersion: object.apiVersion, namespace: meta.namespace, uid: meta.uid, fieldPath };
  } catch (error) {
    throw asValidationError('object', error);
  }
  return checkRef('object', ref, true, objectFieldName);
}

/**
 * Keeps only the identifying fields (and fieldPath when set), dropping empty ones and
 * resourceVersion. Every field present must be a string, the namespace a DNS label.
 * @throws ValidationError naming `ref` or `ref.<field>`
 * @example normalizeRef({ kind: 'Node', name: 'n1', namespace: '', resourceVersion: '5' }) // { kind: 'Node', name: 'n1' }
 */
export function normalizeRef(ref: ObjectReference): ObjectReference {
  return checkRef('ref', ref, false);
}
