/** Every operation of EventsApi against the real kube-apiserver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbidden } from '../../src/errors.ts';
import type { EventsApi } from '../../src/events-api.ts';
import type { Event } from '../../src/types.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import type { WatchEvent } from '../../src/watch.ts';
import { apiAs, closeConnections, freshNamespace, kubectl } from './env.ts';

let ns: string;
let admin: EventsApi;

function newEvent(name: string, overrides: Partial<Event> = {}): Event {
  return {
    metadata: { name, namespace: ns, labels: { suite: 'events-api' } },
    eventTime: microTimeNow(),
    type: 'Normal',
    reason: 'Tested',
    action: 'Test',
    note: 'written by the integration suite',
    reportingController: 'kube-events.test/suite',
    reportingInstance: 'suite-0',
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'web-0' },
    ...overrides,
  };
}

beforeAll(async () => {
  ns = await freshNamespace('events-api');
  admin = await apiAs('admin');
});
afterAll(closeConnections);

describe('EventsApi against kube-apiserver', () => {
  it('create and read: a 6-digit eventTime is stored as sent', async () => {
    const sent = newEvent(eventName('web-0'));
    const created = await admin.create(sent);
    expect(created.metadata?.uid).toBeTruthy();
    const read = await admin.read({ namespace: ns, name: sent.metadata?.name ?? '' });
    expect(read.eventTime).toBe(sent.eventTime);
    expect(read.deprecatedCount).toBeUndefined();
    // The server fills deprecatedSource with its empty default; nothing of ours is in it.
    expect(read.deprecatedSource ?? {}).toEqual({});
    expect(read.deprecatedFirstTimestamp ?? undefined).toBeUndefined();
  });

  it('list: namespace and all namespaces, selectors, limit and continue', async () => {
    for (let i = 0; i < 3; i++) await admin.create(newEvent(eventName(`page-${i}`), { reason: 'Paged' }));
    const page = await admin.list({ namespace: ns, fieldSelector: 'reason=Paged', limit: 2 });
    expect(page.items).toHaveLength(2);
    const rest = await admin.list({
      namespace: ns,
      fieldSelector: 'reason=Paged',
      limit: 2,
      continue: page.metadata?.continue ?? '',
    });
    expect(rest.items).toHaveLength(1);
    const labelled = await admin.list({ namespace: ns, labelSelector: 'suite=events-api' });
    expect(labelled.items.length).toBeGreaterThanOrEqual(4);
    const everywhere = await admin.listForAllNamespaces({ fieldSelector: `metadata.namespace=${ns},reason=Paged` });
    expect(everywhere.items).toHaveLength(3);
  });

  it('patch: merge, strategic merge, JSON Patch and apply, each with its Content-Type', async () => {
    const name = eventName('patched');
    await admin.create(newEvent(name));
    const merged = await admin.patch({
      namespace: ns,
      name,
      type: 'merge',
      patch: { series: { count: 2, lastObservedTime: microTimeNow() } },
    });
    expect(merged.series?.count).toBe(2);
    const strategic = await admin.patch({
      namespace: ns,
      name,
      type: 'strategic-merge',
      patch: { metadata: { labels: { patched: 'strategic' } } },
    });
    expect(strategic.metadata?.labels?.patched).toBe('strategic');
    const json = await admin.patch({
      namespace: ns,
      name,
      type: 'json',
      patch: [{ op: 'replace', path: '/series/count', value: 3 }],
    });
    expect(json.series?.count).toBe(3);
    const applied = await admin.patch({
      namespace: ns,
      name,
      type: 'apply',
      fieldManager: 'suite-apply',
      force: true,
      patch: { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name, labels: { applied: 'yes' } } },
    });
    expect(applied.metadata?.labels?.applied).toBe('yes');
    expect(applied.metadata?.managedFields?.some((m) => m.manager === 'suite-apply')).toBe(true);
  });

  it('replace and delete', async () => {
    const name = eventName('replaced');
    const created = await admin.create(newEvent(name));
    const replaced = await admin.replace({
      ...created,
      metadata: { ...created.metadata, labels: { replaced: 'yes' } },
    });
    expect(replaced.metadata?.labels?.replaced).toBe('yes');
    await admin.delete({ namespace: ns, name });
    await expect(admin.read({ namespace: ns, name })).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
  });

  it('deleteCollection with a label selector', async () => {
    for (let i = 0; i < 2; i++) {
      await admin.create(
        newEvent(eventName(`doomed-${i}`), {
          metadata: { name: eventName(`doomed-${i}`), namespace: ns, labels: { doomed: 'yes' } },
        }),
      );
    }
    await admin.deleteCollection({ namespace: ns, labelSelector: 'doomed=yes' });
    expect((await admin.list({ namespace: ns, labelSelector: 'doomed=yes' })).items).toHaveLength(0);
  });

  it('watch: streams changes, resumes from a resourceVersion, stops on abort', async () => {
    const start = await admin.list({ namespace: ns, limit: 1 });
    const controller = new AbortController();
    const seen: WatchEvent[] = [];
    const watching = (async () => {
      for await (const change of admin.watch({
        namespace: ns,
        resourceVersion: start.metadata?.resourceVersion ?? '',
        signal: controller.signal,
      })) {
        seen.push(change);
        if (change.type === 'ADDED' && change.object.reason === 'Watched') controller.abort();
      }
    })();
    const name = eventName('watched');
    await admin.create(newEvent(name, { reason: 'Watched' }));
    await watching;
    const added = seen.find((change) => change.type === 'ADDED' && change.object.metadata?.name === name);
    expect(added).toBeDefined();

    // Resume after that event: only later changes arrive.
    const after = added?.type === 'ADDED' ? (added.object.metadata?.resourceVersion ?? '') : '';
    const resumed = new AbortController();
    const later: string[] = [];
    const resuming = (async () => {
      for await (const change of admin.watch({ namespace: ns, resourceVersion: after, signal: resumed.signal })) {
        if (change.type === 'ADDED' || change.type === 'MODIFIED' || change.type === 'DELETED')
          later.push(`${change.type}:${change.object.metadata?.name ?? ''}`);
        if (change.type === 'DELETED') resumed.abort();
      }
    })();
    await admin.delete({ namespace: ns, name });
    await resuming;
    expect(later).toEqual([`DELETED:${name}`]);
  });

  it('the events-writer identity may create and patch but not list', async () => {
    const writer = await apiAs('events-writer');
    const name = eventName('writer');
    await writer.create(newEvent(name));
    await writer.patch({
      namespace: ns,
      name,
      type: 'merge',
      patch: { series: { count: 2, lastObservedTime: microTimeNow() } },
    });
    const error = await writer.list({ namespace: ns }).catch((e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as Error).message).toMatch(/cannot list resource "events" in API group "events.k8s.io"/);
    expect(await kubectl(['get', 'events.events.k8s.io', name, '-n', ns, '-o', 'jsonpath={.series.count}'])).toBe('2');
  });
});
