/**
 * Pure spec → spec fixes applied in memory before hey-api sees the Kubernetes document.
 * The files under openapi/ stay byte for byte as the apiserver served them; every quirk
 * fixed here is listed in docs/codegen.md with the server behaviour that motivates it.
 */
import { mergeCoreSpec } from './core-spec.ts';

/** The loosely typed slice of an OpenAPI 3.0 document that the fixes touch. */
export interface OpenApiDocument {
  openapi: string;
  info: { title?: string; version?: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
  [key: string]: unknown;
}

export interface JsonSchema {
  type?: string;
  format?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  nullable?: boolean;
  $ref?: string;
  [key: string]: unknown;
}

interface MediaType {
  schema?: JsonSchema;
}
interface RequestBody {
  content?: Record<string, MediaType>;
  [key: string]: unknown;
}
interface Operation {
  operationId?: string;
  requestBody?: RequestBody;
  [key: string]: unknown;
}

const SCHEMA_PREFIX = '#/components/schemas/';
export const EVENT_SCHEMA = 'io.k8s.api.events.v1.Event';
/** The core/v1 Event (`/api/v1`), present when the core slice was merged in (core-spec.ts). */
export const CORE_EVENT_SCHEMA = 'io.k8s.api.core.v1.Event';
export const MICRO_TIME_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';
export const TIME_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
/** Suffix of the deep-partial copies made for merge and strategic-merge patch bodies. */
export const PARTIAL_SUFFIX = 'Partial';
export const JSON_PATCH_OPERATION_SCHEMA = 'kube-events.JsonPatchOperation';
export const PATCH_BODY_SCHEMA = 'kube-events.EventPatchBody';
export const CORE_PATCH_BODY_SCHEMA = 'kube-events.CoreEventPatchBody';
/** Property that brands the time strings; produced only by src/micro-time.ts. */
export const TIME_BRAND_PROPERTY = '__kubeTimeFormat';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Thrown when the document is not the events.k8s.io/v1 spec this codegen was built for. */
export class SpecShapeError extends Error {
  override name = 'SpecShapeError';
}

function operations(doc: OpenApiDocument): Operation[] {
  return operationsWithPaths(doc).map(([, op]) => op);
}

function operationsWithPaths(doc: OpenApiDocument): [string, Operation][] {
  const found: [string, Operation][] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path] ?? {};
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op !== undefined) found.push([path, op as Operation]);
    }
  }
  return found;
}

/** Core/v1 operations live under `/api/v1/`, events.k8s.io ones under `/apis/`. */
function isCorePath(path: string): boolean {
  return path.startsWith('/api/v1/');
}

/**
 * The spec declares create/replace/delete bodies as `*` + `/*`; a client that sends that as
 * Content-Type gets 415 UnsupportedMediaType from the apiserver, which decodes by Content-Type.
 */
export function sendJsonForWildcardBodies(doc: OpenApiDocument): OpenApiDocument {
  for (const op of operations(doc)) {
    const content = op.requestBody?.content;
    if (content?.['*/*'] === undefined) continue;
    const { '*/*': wildcard, ...rest } = content;
    op.requestBody = { ...op.requestBody, content: { 'application/json': wildcard, ...rest } };
  }
  return doc;
}

function refName(ref: string): string {
  if (!ref.startsWith(SCHEMA_PREFIX)) throw new SpecShapeError(`unsupported $ref ${ref}`);
  return ref.slice(SCHEMA_PREFIX.length);
}

/** Every schema reachable from `root` through $ref, root included. */
function reachableSchemas(doc: OpenApiDocument, root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const schema = doc.components.schemas[name];
    if (schema === undefined) throw new SpecShapeError(`schema ${name} is referenced but not defined`);
    seen.add(name);
    walkRefs(schema, (ref) => visit(refName(ref)));
  };
  visit(root);
  return seen;
}

function walkRefs(value: unknown, onRef: (ref: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkRefs(item, onRef);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') onRef(child);
      else walkRefs(child, onRef);
    }
  }
}

/**
 * Copy of `schema` for a JSON merge patch: nothing required at any depth, every property may
 * be `null` (RFC 7386: null deletes the field), and references point to the partial copies.
 */
function toPartial(schema: JsonSchema, partialNames: Map<string, string>): JsonSchema {
  const copy = structuredClone(schema);
  const rewrite = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) rewrite(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string') {
      const target = partialNames.get(refName(record.$ref));
      if (target !== undefined) record.$ref = SCHEMA_PREFIX + target;
    }
    if (record.properties !== undefined && typeof record.properties === 'object') {
      delete record.required;
      for (const prop of Object.values(record.properties as Record<string, JsonSchema>)) {
        prop.nullable = true;
      }
    }
    for (const [key, child] of Object.entries(record)) {
      if (key !== '$ref') rewrite(child);
    }
  };
  rewrite(copy);
  return copy;
}

/**
 * The spec gives every patch type the untyped `meta.v1.Patch` body and hey-api defaults the call
 * to `application/json-patch+json`, so a merge-patch body is sent with the JSON-Patch type and
 * rejected. This adds typed bodies: a deep partial Event for merge and strategic-merge patches
 * and an RFC 6902 operation list for JSON Patch (apply takes a whole Event). The generated call
 * defaults to `application/merge-patch+json`; src/events-api.ts ties each patch type to its body
 * and Content-Type.
 */
export function typePatchBodies(doc: OpenApiDocument): OpenApiDocument {
  const schemas = doc.components.schemas;
  const roots = [EVENT_SCHEMA, ...(schemas[CORE_EVENT_SCHEMA] !== undefined ? [CORE_EVENT_SCHEMA] : [])];
  const partialNames = new Map<string, string>();
  const reachable = new Set(roots.flatMap((root) => [...reachableSchemas(doc, root)]));
  for (const name of [...reachable].sort()) {
    const schema = schemas[name];
    // Scalars (Time, MicroTime, FieldsV1 …) stay as they are: only objects get partial copies.
    if (schema?.properties !== undefined) partialNames.set(name, name + PARTIAL_SUFFIX);
  }
  for (const [name, partialName] of partialNames) {
    const original = schemas[name] as JsonSchema;
    schemas[partialName] = {
      ...toPartial(original, partialNames),
      description: `Deep partial of ${name} for JSON merge and strategic merge patches: every field optional, null removes it.`,
    };
  }
  schemas[JSON_PATCH_OPERATION_SCHEMA] = jsonPatchOperationSchema();
  const bodyFor = (root: string, what: string): JsonSchema => ({
    description: `Body of a patch of ${what}: a deep partial Event (merge, strategic merge), an RFC 6902 operation list (JSON Patch) or a whole Event (apply).`,
    oneOf: [
      { $ref: SCHEMA_PREFIX + root + PARTIAL_SUFFIX },
      { type: 'array', items: { $ref: SCHEMA_PREFIX + JSON_PATCH_OPERATION_SCHEMA } },
    ],
  });
  schemas[PATCH_BODY_SCHEMA] = bodyFor(EVENT_SCHEMA, 'an Event');
  if (roots.includes(CORE_EVENT_SCHEMA))
    schemas[CORE_PATCH_BODY_SCHEMA] = bodyFor(CORE_EVENT_SCHEMA, 'a core/v1 Event');

  let patched = 0;
  for (const [path, op] of operationsWithPaths(doc)) {
    const content = op.requestBody?.content;
    if (content?.['application/merge-patch+json'] === undefined) continue;
    const body = isCorePath(path) ? CORE_PATCH_BODY_SCHEMA : PATCH_BODY_SCHEMA;
    op.requestBody = {
      ...op.requestBody,
      content: { 'application/merge-patch+json': { schema: { $ref: SCHEMA_PREFIX + body } } },
    };
    patched += 1;
  }
  if (patched === 0) throw new SpecShapeError('no patch operation with application/merge-patch+json found');
  return doc;
}

function jsonPatchOperationSchema(): JsonSchema {
  const path = { type: 'string', description: 'JSON Pointer (RFC 6901) into the Event, e.g. /series/count.' };
  const withValue = (op: string): JsonSchema => ({
    type: 'object',
    required: ['op', 'path', 'value'],
    properties: { op: { type: 'string', enum: [op] }, path, value: { description: 'Any JSON value.' } },
  });
  const withFrom = (op: string): JsonSchema => ({
    type: 'object',
    required: ['op', 'path', 'from'],
    properties: { op: { type: 'string', enum: [op] }, path, from: path },
  });
  return {
    description: 'One RFC 6902 JSON Patch operation.',
    oneOf: [
      withValue('add'),
      withValue('replace'),
      withValue('test'),
      { type: 'object', required: ['op', 'path'], properties: { op: { type: 'string', enum: ['remove'] }, path } },
      withFrom('move'),
      withFrom('copy'),
    ],
  };
}

/**
 * MicroTime and Time are plain strings in the spec, so a `Date` or `toISOString()` output
 * type-checks; the apiserver parses MicroTime with exactly six fractional digits and answers
 * `.123Z` with 400. Branding both makes the formatters in src/micro-time.ts the only way
 * to produce them.
 */
export function brandTimes(doc: OpenApiDocument): OpenApiDocument {
  for (const [name, format] of [
    [MICRO_TIME_SCHEMA, 'MicroTime'],
    [TIME_SCHEMA, 'Time'],
  ] as const) {
    const schema = doc.components.schemas[name];
    if (schema === undefined) continue;
    doc.components.schemas[name] = {
      ...(schema.description === undefined ? {} : { description: schema.description }),
      allOf: [
        { type: 'string', format: 'date-time' },
        {
          type: 'object',
          required: [TIME_BRAND_PROPERTY],
          properties: { [TIME_BRAND_PROPERTY]: { type: 'string', enum: [format] } },
        },
      ],
    };
  }
  return doc;
}

/** Checks that the document is an events.k8s.io/v1 OpenAPI v3 spec before anything rewrites it. */
export function assertEventsSpec(value: unknown): asserts value is OpenApiDocument {
  if (value === null || typeof value !== 'object') throw new SpecShapeError('the document is not a JSON object');
  const doc = value as Partial<OpenApiDocument>;
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new SpecShapeError('field "openapi" is missing or not 3.x: this is not an OpenAPI v3 document');
  }
  if (doc.paths === undefined || doc.components?.schemas === undefined) {
    throw new SpecShapeError('fields "paths" and "components.schemas" are required');
  }
  if (doc.components.schemas[EVENT_SCHEMA] === undefined) {
    throw new SpecShapeError(`schema ${EVENT_SCHEMA} is missing: this is not the events.k8s.io/v1 spec`);
  }
}

/**
 * The `/watch/` paths are deprecated in favour of list with `watch=true` (their descriptions say
 * so, but they carry no `deprecated` flag), and their JSON-lines responses do not fit a
 * one-body client: src/watch.ts streams the list operation instead.
 */
export function dropDeprecatedWatchPaths(doc: OpenApiDocument): OpenApiDocument {
  doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => !path.includes('/watch/')));
  return doc;
}

/** All fixes, in order (after merging the core/v1 Event slice, when given), on a deep copy: the caller's object is never changed. */
export function normalizeSpec(input: unknown, core?: OpenApiDocument): OpenApiDocument {
  assertEventsSpec(input);
  const doc = core !== undefined ? mergeCoreSpec(input, core) : structuredClone(input);
  return brandTimes(typePatchBodies(sendJsonForWildcardBodies(dropDeprecatedWatchPaths(doc))));
}
