import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CORE_EVENT_SCHEMA,
  CORE_PATCH_BODY_SCHEMA,
  EVENT_SCHEMA,
  MICRO_TIME_SCHEMA,
  normalizeSpec,
  PARTIAL_SUFFIX,
  PATCH_BODY_SCHEMA,
  SpecShapeError,
  type OpenApiDocument,
} from '../../../codegen/normalize.ts';
import { coreSpecBeside, newestVersion, specPathForVersion } from '../../../codegen/spec-files.ts';

const raw = JSON.parse(readFileSync(specPathForVersion(newestVersion()), 'utf8')) as OpenApiDocument;
const EVENT_PATH = '/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}';

function operation(doc: OpenApiDocument, path: string, method: string) {
  return doc.paths[path]?.[method] as { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } };
}

describe('normalizeSpec', () => {
  const doc = normalizeSpec(raw);

  it('leaves the input untouched', () => {
    const fresh = JSON.parse(readFileSync(specPathForVersion(newestVersion()), 'utf8')) as unknown;
    expect(JSON.stringify(raw) === JSON.stringify(fresh)).toBe(true);
  });

  it('sends create, replace and delete bodies as application/json instead of */*', () => {
    for (const [path, method] of [
      ['/apis/events.k8s.io/v1/namespaces/{namespace}/events', 'post'],
      [EVENT_PATH, 'put'],
      [EVENT_PATH, 'delete'],
    ] as const) {
      expect(Object.keys(operation(raw, path, method).requestBody?.content ?? {})).toEqual(['*/*']);
      expect(Object.keys(operation(doc, path, method).requestBody?.content ?? {})).toEqual(['application/json']);
    }
  });

  it('types the patch body and defaults it to merge patch', () => {
    const content = operation(doc, EVENT_PATH, 'patch').requestBody?.content ?? {};
    expect(Object.keys(content)).toEqual(['application/merge-patch+json']);
    expect(content['application/merge-patch+json']?.schema.$ref).toBe(`#/components/schemas/${PATCH_BODY_SCHEMA}`);
    const partial = doc.components.schemas[EVENT_SCHEMA + PARTIAL_SUFFIX];
    expect(partial?.required).toBeUndefined();
    expect(partial?.properties?.note?.nullable).toBe(true);
    expect(JSON.stringify(partial?.properties?.series)).toContain(`EventSeries${PARTIAL_SUFFIX}`);
  });

  it('brands MicroTime so that a plain string does not fit', () => {
    expect(doc.components.schemas[MICRO_TIME_SCHEMA]?.allOf).toHaveLength(2);
  });

  it('drops the deprecated /watch/ paths', () => {
    expect(Object.keys(raw.paths).some((p) => p.includes('/watch/'))).toBe(true);
    expect(Object.keys(doc.paths).some((p) => p.includes('/watch/'))).toBe(false);
  });

  it('refuses documents that are not the events.k8s.io/v1 spec', () => {
    expect(() => normalizeSpec([])).toThrow(SpecShapeError);
    expect(() => normalizeSpec({ swagger: '2.0' })).toThrow(/not an OpenAPI v3 document/);
    expect(() => normalizeSpec({ openapi: '3.0.0', paths: {}, components: { schemas: {} } })).toThrow(
      /not the events.k8s.io\/v1 spec/,
    );
  });
});

describe('normalizeSpec with the core/v1 Event slice', () => {
  const coreFile = coreSpecBeside(specPathForVersion(newestVersion()));
  const core = JSON.parse(readFileSync(coreFile ?? '', 'utf8')) as OpenApiDocument;
  const doc = normalizeSpec(raw, core);
  const CORE_PATH = '/api/v1/namespaces/{namespace}/events/{name}';

  it('adds the core/v1 Event operations beside the events.k8s.io ones', () => {
    expect(coreFile).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([CORE_PATH, EVENT_PATH]));
    expect(doc.components.schemas[CORE_EVENT_SCHEMA]?.properties?.count).toBeDefined();
  });

  it('types each patch body by its API: a core/v1 partial for /api/v1, the events.k8s.io one for /apis', () => {
    const coreBody = operation(doc, CORE_PATH, 'patch').requestBody?.content['application/merge-patch+json'];
    const eventsBody = operation(doc, EVENT_PATH, 'patch').requestBody?.content['application/merge-patch+json'];
    expect(coreBody?.schema.$ref).toBe(`#/components/schemas/${CORE_PATCH_BODY_SCHEMA}`);
    expect(eventsBody?.schema.$ref).toBe(`#/components/schemas/${PATCH_BODY_SCHEMA}`);
    const partial = doc.components.schemas[CORE_EVENT_SCHEMA + PARTIAL_SUFFIX];
    expect(partial?.required).toBeUndefined();
    expect(partial?.properties?.lastTimestamp?.nullable).toBe(true);
  });

  it('refuses a shared schema that differs between the two documents (they must come from one server)', () => {
    const other = structuredClone(core);
    const ref = other.components.schemas['io.k8s.api.core.v1.ObjectReference'];
    if (ref?.properties !== undefined) ref.properties.extra = { type: 'string' };
    expect(() => normalizeSpec(raw, other)).toThrow(/ObjectReference differs between/);
  });
});
