/**
 * The core/v1 part of the generated client: only the Event operations of `/api/v1`. The served
 * `/openapi/v3/api/v1` document is about 1.6 MB (every core type); spec:pull keeps the Event paths
 * and the schemas they reach, so that openapi/<version>/ stays reviewable, and generate merges
 * that slice into the events.k8s.io/v1 document before normalizing.
 */
import { CORE_EVENT_SCHEMA, SpecShapeError, type JsonSchema, type OpenApiDocument } from './normalize.ts';

const SCHEMA_PREFIX = '#/components/schemas/';

/** The paths of core/v1 Events; the `/watch/` ones are dropped later like the events.k8s.io ones. */
const EVENT_PATH = /^\/api\/v1\/(namespaces\/\{namespace\}\/)?events(\/\{name\})?$/;
/** Read, list (and watch through list), create and patch: what a recorder and its readers need. */
const KEPT_METHODS = new Set(['get', 'post', 'patch', 'parameters']);

export function assertCoreSpec(value: unknown): asserts value is OpenApiDocument {
  const doc = value as Partial<OpenApiDocument> | null;
  if (doc === null || typeof doc !== 'object' || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new SpecShapeError('the core/v1 document is not an OpenAPI v3 document');
  }
  if (doc.paths === undefined || doc.components?.schemas?.[CORE_EVENT_SCHEMA] === undefined) {
    throw new SpecShapeError(`schema ${CORE_EVENT_SCHEMA} is missing: this is not the /api/v1 spec`);
  }
}

function collectRefs(value: unknown, into: Set<string>, schemas: Record<string, JsonSchema>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into, schemas);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_PREFIX)) {
      const name = child.slice(SCHEMA_PREFIX.length);
      if (into.has(name)) continue;
      const schema = schemas[name];
      if (schema === undefined) throw new SpecShapeError(`schema ${name} is referenced but not defined`);
      into.add(name);
      collectRefs(schema, into, schemas);
    } else {
      collectRefs(child, into, schemas);
    }
  }
}

/** The Event slice of the served `/api/v1` document: Event paths and methods, reachable schemas. */
export function filterCoreEventsSpec(input: unknown): OpenApiDocument {
  assertCoreSpec(input);
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, item] of Object.entries(input.paths)) {
    if (!EVENT_PATH.test(path)) continue;
    paths[path] = Object.fromEntries(Object.entries(item).filter(([method]) => KEPT_METHODS.has(method)));
  }
  if (Object.keys(paths).length === 0) throw new SpecShapeError('no core/v1 Event path found');
  const used = new Set<string>();
  collectRefs(paths, used, input.components.schemas);
  const schemas = Object.fromEntries(
    Object.keys(input.components.schemas)
      .filter((name) => used.has(name))
      .map((name) => [name, input.components.schemas[name] as JsonSchema]),
  );
  return { openapi: input.openapi, info: input.info, paths, components: { schemas } };
}

/**
 * The events.k8s.io/v1 document with the core/v1 Event paths and schemas added. Both come from
 * one server, so a schema in both (ObjectMeta, ObjectReference, Status …) must be identical.
 */
export function mergeCoreSpec(events: OpenApiDocument, core: OpenApiDocument): OpenApiDocument {
  const merged = structuredClone(events);
  for (const [path, item] of Object.entries(core.paths)) {
    if (merged.paths[path] !== undefined) throw new SpecShapeError(`path ${path} is in both documents`);
    merged.paths[path] = structuredClone(item);
  }
  for (const [name, schema] of Object.entries(core.components.schemas)) {
    const existing = merged.components.schemas[name];
    if (existing === undefined) merged.components.schemas[name] = structuredClone(schema);
    else if (JSON.stringify(existing) !== JSON.stringify(schema)) {
      throw new SpecShapeError(`schema ${name} differs between the events.k8s.io/v1 and core/v1 documents`);
    }
  }
  return merged;
}
