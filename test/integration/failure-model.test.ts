/**
 * The failure table (src/recorder/failure-table.ts) against the real kube-apiserver: a namespace
 * that goes away in the middle of a storm, a namespace that is terminating, RBAC granted in one
 * namespace only, hooks that throw while a write fails, and `spamFilter: false`. Whatever happens,
 * every occurrence ends on the server or reported lost, with the reason the server's answer means.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { ApiError, EventsLostError, type KubeEventsError, type LostReason } from '../../src/errors.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { RecorderOptions } from '../../src/recorder/options.ts';
import { emptyLost, lostBetween } from '../../src/recorder/stats.ts';
import type { ObjectReference } from '../../src/types.ts';
import { sleep } from '../../src/util/sleep.ts';
import { startFaultProxy, type FaultProxy } from '../../tools/fault-proxy.ts';
import { closeConnections, connectAs, escapeRegExp, freshNamespace, kube, kubectl, userName } from './env.ts';

const reporter = { controller: 'kube-events.test/failure-model', instance: 'failure-model-0' };
const occurrence = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'failure model' };
/** Short write intervals: a storm of a few seconds makes many writes, so some meet the fault. */
const busyWrites: RecorderOptions = { minWriteIntervalMs: 10, maxWriteIntervalMs: 50 };

let admin: Connection;
let writer: Connection;

/** Unhandled rejections while a test runs. */
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  admin = await connectAs('admin');
  writer = await connectAs('events-writer');
});
afterAll(closeConnections);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const close of proxied.splice(0).reverse()) await close();
});

/** Proxies this test opened, with their connections: closed after it. */
const proxied: (() => Promise<void>)[] = [];

/** A connection as `identity` through a fresh fault proxy, which counts its requests. */
async function throughProxy(
  identity: 'events-writer' | 'nobody',
  namespace?: string,
): Promise<{ proxy: FaultProxy; connection: Connection }> {
  const proxy = await startFaultProxy({
    upstream: kube().info.server,
    caFile: kube().info.caFile,
    allowRemote: kube().external,
  });
  proxied.push(() => proxy.close());
  // No client-side rate limit: every write the Recorder wants reaches the proxy.
  const connection = await connect({
    kubeconfig: proxy.kubeconfig(kube().info.tokens[identity], namespace),
    rateLimit: false,
  });
  proxied.push(() => connection.close());
  return { proxy, connection };
}

const pod = (namespace: string, name: string): ObjectReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
  uid: `uid-${namespace}-${name}`,
});

const keyOf = (ref: { namespace?: string | undefined; name?: string | undefined }): string =>
  `${ref.namespace ?? ''}/${ref.name ?? ''}`;

/** Polls `check` every `everyMs` until it holds (true) or `timeoutMs` passed (false). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The counts on the server of our Events about `name` in `namespace`, one per Event. */
async function counts(namespace: string, name: string): Promise<number[]> {
  const list = await admin.events.list({ namespace, fieldSelector: `regarding.name=${name}` });
  return list.items
    .filter((event) => event.reportingController === reporter.controller)
    .map((event) => event.series?.count ?? 1);
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

/** What onError was told, and the losses among it by series. */
class Told {
  readonly errors: KubeEventsError[] = [];
  readonly onError = (error: KubeEventsError): void => {
    this.errors.push(error);
  };
  get losses(): EventsLostError[] {
    return this.errors.filter((error): error is EventsLostError => error instanceof EventsLostError);
  }
  /** Occurrences of the series about `ref` reported lost (all its series, all reasons). */
  lostFor(ref: ObjectReference): number {
    return sum(this.losses.filter((error) => keyOf(error.series) === keyOf(ref)).map((error) => error.occurrences));
  }
  reasonsFor(ref: ObjectReference): LostReason[] {
    return [...new Set(this.losses.filter((error) => keyOf(error.series) === keyOf(ref)).map((error) => error.reason))];
  }
}

/** Occurrences made per object, for the end-of-test accounting. */
class Made {
  readonly #made = new Map<string, number>();
  emit(recorder: Recorder, ref: ObjectReference): void {
    recorder.emit(occurrence, ref);
    this.add(ref);
  }
  add(ref: ObjectReference): void {
    this.#made.set(keyOf(ref), this.of(ref) + 1);
  }
  of(ref: ObjectReference): number {
    return this.#made.get(keyOf(ref)) ?? 0;
  }
}

/** The namespace as the server has it, or undefined when it is gone. */
async function namespaceStatus(name: string): Promise<{ phase?: string; deleting: boolean } | undefined> {
  try {
    const json = JSON.parse(await kubectl(['get', 'namespace', name, '-o', 'json'])) as {
      metadata: { deletionTimestamp?: string };
      status?: { phase?: string };
    };
    return { phase: json.status?.phase, deleting: json.metadata.deletionTimestamp !== undefined };
  } catch (error) {
    if (/NotFound|not found/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/**
 * Deletes a namespace and makes it gone. The harness runs no kube-controller-manager, so a deleted
 * namespace stays Terminating until someone empties `spec.finalizers`: done here through the
 * `finalize` subresource, which removes the namespace object (its Events stay in etcd, orphaned).
 */
async function removeNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false']);
  const dir = mkdtempSync(join(tmpdir(), 'kube-events-finalize-'));
  try {
    const gone = await until(
      async () => {
        const json = await kubectl(['get', 'namespace', name, '-o', 'json']).catch((error: unknown) => {
          if (/NotFound|not found/.test((error as Error).message)) return undefined;
          throw error;
        });
        if (json === undefined) return true;
        const namespace = JSON.parse(json) as { metadata: Record<string, unknown>; spec?: Record<string, unknown> };
        delete namespace.metadata.resourceVersion;
        namespace.spec = { ...namespace.spec, finalizers: [] };
        const file = join(dir, 'namespace.json');
        writeFileSync(file, JSON.stringify(namespace));
        await kubectl(['replace', '--raw', `/api/v1/namespaces/${name}/finalize`, '-f', file]).catch(
          (error: unknown) => {
            if (!/NotFound|not found|Conflict/.test((error as Error).message)) throw error;
          },
        );
        return (await namespaceStatus(name)) === undefined;
      },
      20_000,
      200,
    );
    if (!gone) throw new Error(`namespace ${name} was still there 20 s after it was finalized`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('namespaces that go away', () => {
  it('a namespace removed mid-storm: its new series are lost as namespace-gone, the other namespace stays exact', async () => {
    const a = await freshNamespace('fm-gone-a');
    const b = await freshNamespace('fm-gone-b');
    const told = new Told();
    const made = new Made();
    const { proxy, connection } = await throughProxy('events-writer');
    const recorder = new Recorder(connection, reporter, { ...busyWrites, onError: told.onError });
    const oldA = [0, 1, 2].map((i) => pod(a, `old-${i}`));
    const inB = [0, 1, 2].map((i) => pod(b, `pod-${i}`));
    const storming = [...oldA, ...inB];

    // Every series exists on the server, with a series count, before the namespace goes.
    for (const ref of storming) {
      expect((await recorder.publish(occurrence, ref)).write).toBe('created');
      made.add(ref);
      expect((await recorder.publish(occurrence, ref)).write).toBe('patched');
      made.add(ref);
    }

    // The storm: every object every ~20 ms, until told to stop; new objects in A join it later.
    const newA: ObjectReference[] = [];
    let storm = true;
    const storming$ = (async () => {
      while (storm) {
        for (const ref of [...storming, ...newA]) made.emit(recorder, ref);
        await sleep(20);
      }
    })();
    try {
      // Mid-storm: the storm's coalesced writes are reaching the server.
      const patchedBefore = recorder.stats().patched;
      expect(await until(() => recorder.stats().patched >= patchedBefore + 20, 10_000), 'the storm patches').toBe(true);
      await removeNamespace(a);
      expect(await namespaceStatus(a)).toBeUndefined();

      // New objects in A: each of their series is lost at once, as namespace-gone.
      const joined = Date.now();
      newA.push(...[0, 1, 2].map((i) => pod(a, `new-${i}`)));
      const allNewLost = () => newA.every((ref) => told.lostFor(ref) > 0);
      expect(await until(allNewLost, 10_000), 'every new series in A reported lost within 10 s').toBe(true);
      const tookMs = Date.now() - joined;
      expect(tookMs, 'lost at once, not after a retry spell').toBeLessThan(10_000);
      for (const ref of newA) expect(told.reasonsFor(ref)).toEqual(['namespace-gone']);
      const cause = told.losses.find((error) => keyOf(error.series) === keyOf(newA[0] ?? {}))?.cause;
      expect(cause).toBeInstanceOf(ApiError);
      expect(cause).toMatchObject({ status: 404, method: 'POST', statusObject: { details: { kind: 'namespaces' } } });

      // The storm goes on for a while with A gone: the old series in A keep patching their Events
      // (orphaned in etcd: NamespaceLifecycle refuses creates only), and those in B theirs.
      const patchesIn = (namespace: string) => () =>
        proxy.count({ method: 'PATCH', path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events/`, status: 200 });
      const [patchesInA, patchesInB] = [patchesIn(a), patchesIn(b)];
      const [aAtGone, bAtGone] = [patchesInA(), patchesInB()];
      const patchedOn = await until(() => patchesInA() >= aAtGone + 10 && patchesInB() >= bAtGone + 10, 10_000);
      expect(patchedOn, `PATCHes in A ${patchesInA() - aAtGone}, in B ${patchesInB() - bAtGone}`).toBe(true);
      expect(proxy.count({ method: 'PATCH', path: `/apis/events.k8s.io/v1/namespaces/${a}/`, status: 404 })).toBe(0);
    } finally {
      storm = false;
      await storming$;
    }

    // A lost series leaves the cache: once every write has settled only the six storming series are held.
    await within(recorder.idle(), 10_000, 'idle()');
    expect(recorder.stats().cacheSize).toBe(storming.length);

    // Two more new series in A right before close(): their creates fail during close(), which reports them.
    const closing = [pod(a, 'closing-0'), pod(a, 'closing-1')];
    for (const ref of closing) for (let i = 0; i < 2; i++) made.emit(recorder, ref);
    const lostBeforeClose = recorder.stats().lost;
    const report = await recorder.close();
    const lostByClose = lostBetween(lostBeforeClose, recorder.stats().lost);
    expect(report.lostByReason).toEqual(lostByClose);
    expect(report).toMatchObject({ lost: 4, lostByReason: { ...emptyLost(), 'namespace-gone': 4 } });
    for (const ref of closing)
      expect({ lost: told.lostFor(ref), reasons: told.reasonsFor(ref) }).toEqual({
        lost: 2,
        reasons: ['namespace-gone'],
      });

    // The accounting, per series: count on the server + reported lost = occurrences made.
    const rows = [];
    for (const ref of [...storming, ...newA, ...closing]) {
      const onServer = await counts(ref.namespace ?? '', ref.name ?? '');
      rows.push({ series: keyOf(ref), onServer, lost: told.lostFor(ref), made: made.of(ref) });
    }
    const failed = JSON.stringify(recorder.stats().failed);
    for (const row of rows) {
      expect(sum(row.onServer) + row.lost, `${row.series}: ${JSON.stringify(row)}; failed: ${failed}`).toBe(row.made);
    }
    // What the server did: B is exact and loses nothing; an old series in A keeps patching its
    // orphaned Event (NamespaceLifecycle refuses creates only, and the Event is still in etcd), so
    // it is exact too; a new series in A has nothing on the server.
    for (const row of rows) {
      const series = row.series.split('/')[1] ?? '';
      if (series.startsWith('old-') || row.series.startsWith(`${b}/`)) {
        expect(row, 'a series whose Event existed before: exact, nothing lost').toMatchObject({
          onServer: [row.made],
          lost: 0,
        });
      } else {
        expect(row, 'a series begun after the namespace went: nothing on the server').toMatchObject({
          onServer: [],
          lost: row.made,
        });
      }
    }

    const stats = recorder.stats();
    expect(stats.lost).toEqual({ ...emptyLost(), 'namespace-gone': stats.lost['namespace-gone'] });
    expect(stats.lost['shutdown-deadline']).toBe(0);
    expect(stats.retiringSeries).toBe(0);
    expect(unhandled).toEqual([]);
  });

  describe('a namespace kept terminating by a finalizer', () => {
    let ns: string | undefined;

    afterEach(async () => {
      // Let the namespace go: without the finalizer a real cluster finishes deleting it.
      if (ns !== undefined) {
        await kubectl([
          'patch',
          'configmap',
          'hold',
          '-n',
          ns,
          '--type',
          'merge',
          '-p',
          '{"metadata":{"finalizers":null}}',
        ]);
      }
      ns = undefined;
    });

    it('new series there are lost at once as namespace-terminating; an existing series keeps patching', async () => {
      const namespace = await freshNamespace('fm-term');
      const { proxy, connection } = await throughProxy('events-writer', namespace);
      await kubectl(['create', 'configmap', 'hold', '-n', namespace]);
      ns = namespace;
      await kubectl([
        'patch',
        'configmap',
        'hold',
        '-n',
        namespace,
        '--type',
        'merge',
        '-p',
        '{"metadata":{"finalizers":["example.com/hold"]}}',
      ]);
      const told = new Told();
      const made = new Made();
      const recorder = new Recorder(connection, reporter, { onError: told.onError });
      const existing = pod(namespace, 'existing');
      expect((await recorder.publish(occurrence, existing)).write).toBe('created');
      made.add(existing);
      expect((await recorder.publish(occurrence, existing)).write).toBe('patched');
      made.add(existing);

      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
      // NamespaceLifecycle learns of the deletion from its informer: wait until it refuses creates.
      let probes = 0;
      const refusing = await until(
        async () => {
          probes += 1;
          try {
            await kubectl(['create', 'configmap', `probe-${probes}`, '-n', namespace]);
            return false;
          } catch (error) {
            if (/being terminated/.test((error as Error).message)) return true;
            throw error;
          }
        },
        15_000,
        200,
      );
      expect(refusing, 'the namespace refuses new content within 15 s').toBe(true);
      expect(await namespaceStatus(namespace)).toMatchObject({ phase: 'Terminating', deleting: true });

      // New series: three occurrences each, emitted at once.
      const postsBefore = proxy.count({ method: 'POST' });
      const attemptsBefore = recorder.stats().writeAttempts;
      const fresh = [0, 1, 2].map((i) => pod(namespace, `fresh-${i}`));
      const began = Date.now();
      for (const ref of fresh) for (let i = 0; i < 3; i++) made.emit(recorder, ref);
      const allLost = () => fresh.every((ref) => told.lostFor(ref) === 3);
      expect(await until(allLost, 10_000), 'every new series reported lost within 10 s').toBe(true);
      expect(Date.now() - began).toBeLessThan(10_000);
      for (const ref of fresh) expect(told.reasonsFor(ref)).toEqual(['namespace-terminating']);
      const cause = told.losses.find((error) => keyOf(error.series) === keyOf(fresh[0] ?? {}))?.cause;
      expect(cause).toBeInstanceOf(ApiError);
      expect(cause).toMatchObject({ status: 403, method: 'POST', causes: [{ reason: 'NamespaceTerminating' }] });
      // No retry loop: one create per series (at most two), and nothing more once they are lost.
      await within(recorder.idle(), 10_000, 'idle()');
      const posts = proxy.count({ method: 'POST' }) - postsBefore;
      expect(posts).toBeGreaterThanOrEqual(fresh.length);
      expect(posts).toBeLessThanOrEqual(2 * fresh.length);
      expect(recorder.stats().writeAttempts - attemptsBefore).toBeLessThanOrEqual(2 * fresh.length);
      expect(recorder.stats().lost['namespace-terminating']).toBe(3 * fresh.length);

      // The existing series: a PATCH is an update, which NamespaceLifecycle does not refuse.
      const patchesBefore = proxy.count({ method: 'PATCH', status: 200 });
      for (let i = 0; i < 5; i++) made.emit(recorder, existing);
      await recorder.flush({ timeoutMs: 10_000 });
      const patchesWhileTerminating = proxy.count({ method: 'PATCH', status: 200 }) - patchesBefore;
      const report = await recorder.close();
      const onServer = await counts(namespace, 'existing');
      if (kube().external) {
        // A real cluster's namespace controller deletes the Events while the finalizer holds the
        // namespace: the series may have to re-create its Event, which is then refused and lost.
        expect(sum(onServer) + told.lostFor(existing)).toBe(made.of(existing));
      } else {
        expect({ onServer, lost: told.lostFor(existing), report }).toEqual({
          onServer: [made.of(existing)],
          lost: 0,
          report: { series: 0, written: 0, lost: 0, lostByReason: emptyLost() },
        });
        expect(patchesWhileTerminating, 'the existing Event was patched while terminating').toBeGreaterThanOrEqual(1);
      }
      for (const ref of fresh) expect(await counts(namespace, ref.name ?? '')).toEqual([]);
      expect(recorder.stats().retiringSeries).toBe(0);
      expect(unhandled).toEqual([]);
    });
  });
});

describe('RBAC granted in one namespace only', () => {
  it('the other namespace is lost as forbidden after the 30 s spell, while the granted one stays exact', async () => {
    const a = await freshNamespace('fm-rbac-a');
    const b = await freshNamespace('fm-rbac-b');
    await kubectl([
      'create',
      'role',
      'fm-events',
      '-n',
      a,
      '--verb=create',
      '--verb=patch',
      '--resource=events.events.k8s.io',
    ]);
    await kubectl(['create', 'rolebinding', 'fm-events', '-n', a, '--role=fm-events', `--user=${userName('nobody')}`]);
    const canI = async (verb: string, namespace: string): Promise<boolean> =>
      kubectl(['auth', 'can-i', verb, 'events.events.k8s.io', '-n', namespace], { as: 'nobody' }).then(
        (answer) => answer.trim() === 'yes',
        () => false,
      );
    expect(await until(async () => (await canI('create', a)) && (await canI('patch', a)), 15_000, 200)).toBe(true);
    expect(await canI('create', b)).toBe(false);

    const { proxy, connection } = await throughProxy('nobody');
    const told = new Told();
    const made = new Made();
    const recorder = new Recorder(connection, reporter, { ...busyWrites, onError: told.onError });
    const inA = [pod(a, 'granted-0'), pod(a, 'granted-1')];
    const inB = pod(b, 'refused');
    const postsToB = () => proxy.count({ method: 'POST', path: `/apis/events.k8s.io/v1/namespaces/${b}/` });
    const writtenToA = () =>
      proxy.count({ path: new RegExp(`^/apis/events\\.k8s\\.io/v1/namespaces/${escapeRegExp(a)}/`), status: 200 }) +
      proxy.count({ path: new RegExp(`^/apis/events\\.k8s\\.io/v1/namespaces/${escapeRegExp(a)}/`), status: 201 });

    // Create has succeeded in A before B's first 403: B's 403s may be RBAC reloading, so they are retried.
    for (const ref of inA) {
      expect((await recorder.publish(occurrence, ref)).write).toBe('created');
      made.add(ref);
    }
    const spellBegan = Date.now();
    expect((await recorder.publish(occurrence, inB)).write, 'a 403 after create worked elsewhere is retried').toBe(
      'coalesced',
    );
    made.add(inB);
    expect(told.errors.some((error) => error instanceof ApiError && error.status === 403)).toBe(true);
    const writtenToAAtSpell = writtenToA();

    // Both namespaces fire; every 2 s a new object in A, so creates succeed in A during B's spell too.
    const lostB = () => told.lostFor(inB) > 0;
    let round = 0;
    // The last retry of the spell falls at its end (failure-policy.ts never waits past it), so the
    // loss comes 30 s after the first 403 plus one answer; 45 s leaves room for a loaded machine.
    while (!lostB() && Date.now() - spellBegan < 45_000) {
      if (round % 40 === 39) inA.push(pod(a, `granted-${inA.length}`));
      for (const ref of inA) made.emit(recorder, ref);
      made.emit(recorder, inB);
      round += 1;
      await sleep(50);
    }
    const lostAfterMs = Date.now() - spellBegan;
    expect(lostB(), `B's series lost within 45 s (POSTs to B: ${postsToB()})`).toBe(true);
    expect(lostAfterMs, 'not before the 30 s spell').toBeGreaterThanOrEqual(29_500);
    expect(told.reasonsFor(inB)).toEqual(['forbidden']);
    expect(told.lostFor(inB)).toBe(made.of(inB));
    expect(writtenToA() - writtenToAAtSpell, 'A was written throughout B’s spell').toBeGreaterThanOrEqual(10);
    expect(inA.length, 'new series in A were created during the spell').toBeGreaterThan(2);
    // Retries on a backoff of 0.5 s doubling (jitter ½–1) until the first one past 30 s: 7 or 8
    // creates (the first and its retries), not hundreds.
    expect(postsToB()).toBeGreaterThanOrEqual(3);
    expect(postsToB()).toBeLessThanOrEqual(10);

    const report = await recorder.close();
    expect(report.lost).toBe(0);
    for (const ref of inA) {
      expect({ series: keyOf(ref), onServer: await counts(a, ref.name ?? ''), lost: told.lostFor(ref) }).toEqual({
        series: keyOf(ref),
        onServer: [made.of(ref)],
        lost: 0,
      });
    }
    expect(await counts(b, 'refused')).toEqual([]);
    const stats = recorder.stats();
    expect(stats.lost).toEqual({ ...emptyLost(), forbidden: made.of(inB) });
    expect(stats.retiringSeries).toBe(0);
    expect(unhandled).toEqual([]);
  });
});

describe('hooks and options', () => {
  let ns: string;

  beforeAll(async () => {
    ns = await freshNamespace('fm-hooks');
  });

  it('a logger and an onError that throw during a 503: the write is retried, the count exact, close() resolves', async () => {
    const { proxy, connection } = await throughProxy('events-writer', ns);
    // The first PATCH is answered 503 without Retry-After: the connection does not retry it, the Recorder does.
    proxy.setRule((request) =>
      request.method === 'PATCH' && request.nthOfMethod === 1 ? { kind: 'status', status: 503 } : undefined,
    );
    const recorder = new Recorder(connection, reporter, {
      logger: {
        warn() {
          throw new Error('logger down');
        },
      },
      onError() {
        throw new Error('onError down');
      },
    });
    const regarding = pod(ns, 'hooks-503');
    expect((await recorder.publish(occurrence, regarding)).write).toBe('created');
    expect((await recorder.publish(occurrence, regarding)).write, 'the failed PATCH: its count is retried').toBe(
      'coalesced',
    );
    for (let i = 0; i < 3; i++) await recorder.publish(occurrence, regarding);
    const total = 5;
    expect(proxy.count({ method: 'PATCH', outcome: 'status' }), 'the 503 was served').toBe(1);

    // The retry writes the count without flush() or close().
    const exact = await until(async () => sum(await counts(ns, 'hooks-503')) === total, 15_000, 100);
    expect(exact, `count on the server ${JSON.stringify(await counts(ns, 'hooks-503'))}, want ${total}`).toBe(true);
    await within(recorder.idle(), 10_000, 'idle()');
    const closed = await within(recorder.close(), 30_000, 'close()').then(
      (report) => report,
      (error: unknown) => `close() rejected: ${(error as Error).message}`,
    );
    expect(closed).toMatchObject({ lost: 0 });
    expect(await counts(ns, 'hooks-503')).toEqual([total]);
    const stats = recorder.stats();
    expect(stats.hookErrors, 'the logger and onError both threw on the 503').toBeGreaterThanOrEqual(2);
    expect(stats.failed.ServiceUnavailable).toBe(1);
    expect(stats.lost).toEqual(emptyLost());
    expect(unhandled).toEqual([]);
  });

  it('spamFilter: false: 30 distinct events about one object all reach the server', async () => {
    const recorder = new Recorder(writer, reporter, { spamFilter: false });
    const regarding = pod(ns, 'no-spam-filter');
    const results = [];
    for (let i = 0; i < 30; i++) {
      results.push(
        await recorder.publish({ ...occurrence, reason: `Distinct${i}` }, regarding).then(
          (result) => result.write,
          (error: unknown) => `rejected: ${(error as Error).message}`,
        ),
      );
    }
    await recorder.close();
    expect(results).toEqual(Array.from({ length: 30 }, () => 'created'));
    const events = await admin.events.list({ namespace: ns, fieldSelector: 'regarding.name=no-spam-filter' });
    expect(new Set(events.items.map((event) => event.reason)).size).toBe(30);
    expect(recorder.stats().dropped['spam-filter']).toBe(0);
    expect(unhandled).toEqual([]);
  });
});
