import { describe, expect, it } from 'vitest';
import {
  parseMarker,
  parsePeerArgs,
  parsePeerResult,
  peerArgv,
  PeerUsageError,
  type PeerResult,
} from '../../bench/peers/contract.ts';
import { dueBy, resetOffsetsMs, spread, staleness, throttledWrite } from '../../bench/peers/figures.ts';
import { planCharts, renderCharts } from '../../bench/peers/charts.ts';
import {
  SECTION_BEGIN,
  SECTION_END,
  renderMarkdown,
  renderTable,
  withGeneratedSection,
  type PeerReport,
} from '../../bench/peers/report.ts';

const result: PeerResult = {
  peer: 'kube-rs',
  library: 'kube',
  version: '5.0.0',
  scenario: 'storm',
  publishes: 10_000,
  startedAt: 1_000.5,
  publishedAt: 61_000.25,
  maxLagMs: 2.5,
  errorsSurfaced: 0,
  shutdownMs: 0.1,
  shutdownTimedOut: false,
  cpuSeconds: 1.5,
  peakRssBytes: 20 * 1024 * 1024,
};

describe('peer contract', () => {
  it('fills the defaults of each scenario and round-trips through the command line', () => {
    const storm = parsePeerArgs({ kubeconfig: 'k', scenario: 'storm', namespace: 'ns', name: 'web' });
    expect(storm).toEqual({
      kubeconfig: 'k',
      scenario: 'storm',
      namespace: 'ns',
      name: 'web',
      publishes: 10_000,
      durationMs: 60_000,
      shutdown: 'immediate',
      graceMs: 10_000,
      distinctPublishes: 0,
    });
    expect(parsePeerArgs({ kubeconfig: 'k', scenario: 'distinct', namespace: 'ns', name: 'o' }).publishes).toBe(1_000);
    const argv = peerArgv(storm);
    const flags: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) flags[(argv[i] ?? '').slice(2)] = argv[i + 1] ?? '';
    expect(parsePeerArgs(flags)).toEqual(storm);
  });

  it('takes --distinct-publishes for a storm only, and passes it on only when set', () => {
    const base = { kubeconfig: 'k', scenario: 'storm', namespace: 'ns', name: 'agent-0' };
    const agent = parsePeerArgs({ ...base, 'distinct-publishes': '100', publishes: '1000', 'duration-ms': '10000' });
    expect(agent).toMatchObject({ distinctPublishes: 100, publishes: 1_000, durationMs: 10_000 });
    const argv = peerArgv(agent);
    expect(argv.slice(-2)).toEqual(['--distinct-publishes', '100']);
    const flags: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) flags[(argv[i] ?? '').slice(2)] = argv[i + 1] ?? '';
    expect(parsePeerArgs(flags)).toEqual(agent);
    // The older scenarios' command line is unchanged.
    expect(peerArgv(parsePeerArgs(base))).not.toContain('--distinct-publishes');
    expect(parsePeerArgs({ ...base, 'distinct-publishes': '0' }).distinctPublishes).toBe(0);
    expect(() => parsePeerArgs({ ...base, scenario: 'distinct', 'distinct-publishes': '5' })).toThrow(
      /--distinct-publishes is for the storm scenario only/,
    );
    for (const bad of ['-1', '1.5', '+3', 'many']) {
      expect(() => parsePeerArgs({ ...base, 'distinct-publishes': bad })).toThrow(PeerUsageError);
    }
  });

  it('names the flag that is missing or wrong', () => {
    expect(() => parsePeerArgs({ scenario: 'storm', namespace: 'ns', name: 'n' })).toThrow(/--kubeconfig is required/);
    expect(() => parsePeerArgs({ kubeconfig: 'k', scenario: 'flood', namespace: 'ns', name: 'n' })).toThrow(
      /--scenario must be storm or distinct/,
    );
    expect(() =>
      parsePeerArgs({ kubeconfig: 'k', scenario: 'storm', namespace: 'ns', name: 'n', publishes: '1.5' }),
    ).toThrow(PeerUsageError);
    expect(() =>
      parsePeerArgs({ kubeconfig: 'k', scenario: 'storm', namespace: 'ns', name: 'n', shutdown: 'later' }),
    ).toThrow(/--shutdown/);
  });

  it('reads markers and ignores other stderr lines', () => {
    expect(parseMarker('@started 1764097234123.4')).toEqual({ name: 'started', at: 1764097234123.4 });
    expect(parseMarker('@published 17')).toEqual({ name: 'published', at: 17 });
    expect(parseMarker('I1125 klog line @started 5')).toBeUndefined();
    expect(parseMarker('@started soon')).toBeUndefined();
  });

  it('accepts exactly one well-formed result line', () => {
    expect(parsePeerResult(`${JSON.stringify(result)}\n`, 'kube-rs')).toEqual(result);
    expect(() => parsePeerResult('', 'kube-rs')).toThrow(/one JSON line/);
    expect(() => parsePeerResult(`${JSON.stringify(result)}\n{}`, 'kube-rs')).toThrow(/got 2/);
    expect(() => parsePeerResult(JSON.stringify(result), 'client-go')).toThrow(/names peer kube-rs/);
    expect(() => parsePeerResult(JSON.stringify({ ...result, cpuSeconds: 'x' }), 'kube-rs')).toThrow(/cpuSeconds/);
    expect(() => parsePeerResult('not json', 'kube-rs')).toThrow(/not JSON/);
    const counted = { ...result, reportedLost: 4 };
    expect(parsePeerResult(JSON.stringify(counted), 'kube-rs')).toEqual(counted);
    expect(() => parsePeerResult(JSON.stringify({ ...result, reportedLost: -1 }), 'kube-rs')).toThrow(/reportedLost/);
  });
});

describe('bench figures', () => {
  it('knows how many publishes were due at a moment of the storm', () => {
    // 10 publishes over 1 s: one every 100 ms, the first at the start.
    expect(dueBy(999, 1_000, 10, 1_000)).toBe(0);
    expect(dueBy(1_000, 1_000, 10, 1_000)).toBe(1);
    expect(dueBy(1_199, 1_000, 10, 1_000)).toBe(2);
    expect(dueBy(5_000, 1_000, 10, 1_000)).toBe(10);
  });

  it('measures staleness as the true count minus the server count, never below zero', () => {
    const storm = { startedAt: 0, publishes: 100, durationMs: 10_000 };
    const samples = [
      { at: 1_000, count: 1 }, // 11 due
      { at: 2_000, count: 21 }, // 21 due
      { at: 3_000, count: 40 }, // 31 due: ahead by clock skew counts as 0
      { at: 20_000, count: 70 }, // 100 due
    ];
    expect(staleness(samples, storm)).toEqual({ max: 30, mean: (10 + 0 + 0 + 30) / 4 });
    expect(staleness([], storm)).toEqual({ max: 0, mean: 0 });
  });

  it('gives the median and range of the runs', () => {
    expect(spread([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3, runs: [3, 1, 2] });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
    expect(() => spread([])).toThrow(RangeError);
  });

  it('throttles one write in ten, starting with the second, and resets five times', () => {
    const throttled = Array.from({ length: 30 }, (_, i) => i + 1).filter(throttledWrite);
    expect(throttled).toEqual([2, 12, 22]);
    expect(resetOffsetsMs(60_000)).toEqual([5_000, 15_000, 25_000, 35_000, 45_000]);
  });
});

function report(): PeerReport {
  const storm = (peer: 'kube-events' | 'client-go', run: number, writes: number, final: number) => ({
    peer,
    run,
    posts: 1,
    patches: writes - 1,
    stalenessMax: peer === 'client-go' ? 9_998 : 100 * run,
    stalenessMean: 50,
    samples: 60,
    finalCount: final,
    maxLagMs: 1,
    errorsSurfaced: 0,
    cpuSeconds: 1.25,
    peakRssBytes: 64 * 1024 * 1024,
  });
  return {
    date: '2026-11-25',
    machine: '2 × test CPU',
    apiserver: 'v1.37.2',
    toolchains: { node: 'v24.21.0', go: '1.26.8' },
    peers: [
      { name: 'kube-events', library: 'kube-events', version: '0.1.0' },
      { name: 'client-go', library: 'k8s.io/client-go', version: 'v0.37.2' },
    ],
    config: {
      runs: 3,
      storm: { publishes: 10_000, durationMs: 60_000 },
      distinct: { publishes: 1_000, graceMs: 10_000, timeoutMs: 600_000 },
    },
    storm: [
      storm('kube-events', 1, 9, 10_000),
      storm('kube-events', 2, 9, 10_000),
      storm('kube-events', 3, 10, 10_000),
      storm('client-go', 1, 2, 2),
    ],
    faults: [],
    distinct: [
      { peer: 'kube-events', run: 1, timeToAllMs: 45_500, onServer: 1_000, posts: 1_000 },
      {
        peer: 'client-go',
        run: 1,
        timeToAllMs: undefined,
        onServer: 900,
        posts: 900,
        failure: 'client-go ended with exit 1',
      },
    ],
    shutdown: [],
  };
}

describe('bench report', () => {
  it('renders median (min–max) per figure and peer, and says what was not run', () => {
    const table = renderTable(report());
    expect(table).toContain('| kube-events (kube-events 0.1.0) | client-go (k8s.io/client-go v0.37.2) |');
    expect(table).toMatch(/\| Storm: API writes for 10,000 publishes \(POST \+ PATCH\) \| 9 \(9–10\) \| 2 \|/);
    expect(table).toMatch(/behind the true count, max \| 200 \(100–300\) \| 9,998 \|/);
    expect(table).toMatch(/seconds until all 1,000 are on the server \| 46 \| n\/a \|/);
    expect(table).toMatch(/Faults: count on the server after shutdown \(of 10,000\) \| not run \| not run \|/);
    expect(table).toMatch(/peak RSS of the process, MiB \| 64 \| 64 \|/);
  });

  it('lists the runs that gave no result under the table', async () => {
    const markdown = await renderMarkdown(report());
    expect(markdown).toContain('Measured 2026-11-25 by `npm run bench:peers` on 2 × test CPU');
    expect(markdown).toContain('- client-go run 1: client-go ended with exit 1');
  });

  it('replaces only the generated section', () => {
    const doc = `# x\n\nbefore\n${SECTION_BEGIN}\nold table\n${SECTION_END}\nafter\n`;
    expect(withGeneratedSection(doc, 'new table\n')).toBe(
      `# x\n\nbefore\n${SECTION_BEGIN}\n\nnew table\n\n${SECTION_END}\nafter\n`,
    );
    expect(() => withGeneratedSection('# no markers', 'x')).toThrow(/no bench:peers section/);
  });
});

function withNewScenarios(): PeerReport {
  const base = report();
  const landing = (
    peer: 'kube-events' | 'client-go',
    run: number,
    timeToAllMs: number | undefined,
    throttled: number,
  ) => ({
    peer,
    run,
    publishes: 5_000,
    timeToAllMs,
    onServer: timeToAllMs === undefined ? 4_000 : 5_000,
    lost: timeToAllMs === undefined ? 1_000 : 0,
    writes: 5_000 + throttled,
    throttled,
    connections: peer === 'kube-events' ? 16 : 1,
    errorsSurfaced: 0,
    peakRssBytes: 100 * 1024 * 1024,
  });
  return {
    ...base,
    config: {
      ...base.config,
      burst: { publishes: 5_000, timeoutMs: 600_000 },
      throttled: { publishes: 5_000, timeoutMs: 600_000 },
      fleet: { agents: 20, stormPublishes: 1_000, stormDurationMs: 10_000, distinctPublishes: 100, timeoutMs: 300_000 },
    },
    storm: base.storm.map((run) => ({
      ...run,
      series: [
        { t: 1, count: 1, due: 167 },
        { t: 2, count: run.peer === 'client-go' ? 2 : 334, due: 334 },
      ],
    })),
    burst: [landing('kube-events', 1, 1_500, 0), landing('client-go', 1, undefined, 0)],
    throttled: [landing('kube-events', 1, 12_000, 300), landing('client-go', 1, undefined, 0)],
    fleet: [
      {
        peer: 'kube-events',
        run: 1,
        agents: 20,
        expected: 22_000,
        finalCount: 22_000,
        lost: 0,
        timeToAllMs: 14_000,
        startSpreadMs: 2_000,
        writes: 2_500,
        throttled: 500,
        connections: 40,
        agentFailures: 0,
        errorsSurfaced: 0,
        reportedLost: 3,
        peakRssBytes: 120 * 1024 * 1024,
      },
    ],
  };
}

describe('bench report: burst, throttled, fleet and charts', () => {
  it('renders the new scenarios, and says "not measured yet" for results that have none', () => {
    const table = renderTable(withNewScenarios());
    expect(table).toMatch(/\| Burst: seconds until all 5,000 are on the server \| 1\.5 \| n\/a \|/);
    expect(table).toMatch(/\| Burst: lost \(of 5,000\) \| 0 \| 1,000 \|/);
    expect(table).toMatch(/\| Burst: TLS connections opened \| 16 \| 1 \|/);
    expect(table).toMatch(/\| Throttled: writes answered 429 \| 300 \| 0 \|/);
    expect(table).toMatch(
      /Fleet \(20 agents × 1,000 storm \+ 100 distinct\): seconds until the whole count is on the server \| 14 \| not run \|/,
    );
    expect(table).toMatch(/\| Fleet: count lost \(of 22,000\) \| 0 \| not run \|/);
    // Only kube-events counts its own losses; a peer without the field shows n/a.
    expect(table).toMatch(
      /\| Fleet: lost by the library's own count \(kube-events `stats\(\)`, all agents\) \| 3 \| not run \|/,
    );
    expect(table).toMatch(/\| Throttled: lost by the library's own count [^|]*\| n\/a \| n\/a \|/);
    expect(table).toMatch(/\| Fleet: share of the writes answered 429 \| 20 % \| not run \|/);
    const old = renderTable(report());
    expect(old).toMatch(/\| Burst: seconds until all N are on the server \| not measured yet \| not measured yet \|/);
    expect(old).toMatch(/\| Fleet: API writes, all agents \| not measured yet \| not measured yet \|/);
  });

  it('puts every chart with data above the table, and names the ones without', async () => {
    const markdown = await renderMarkdown(report(), '../charts/');
    expect(markdown).toContain('](../charts/peers-storm.svg)');
    expect(markdown).toContain('](../charts/peers-time-to-all.svg)');
    expect(markdown).toContain('](../charts/peers-memory.svg)');
    expect(markdown).toMatch(/answered 429 \(median\): not measured yet\./);
    expect(markdown.indexOf('peers-memory.svg')).toBeLessThan(markdown.indexOf('| Storm: API writes'));
    const full = await renderMarkdown(withNewScenarios());
    expect(full).toContain('](peers-throttling.svg)');
    expect(full).not.toContain('not measured yet');
  });

  it('plans a line chart of the count over the storm when the series is there, else the staleness bars', () => {
    const [storm] = planCharts(withNewScenarios());
    expect(storm?.title).toMatch(/count against the true count, each second/);
    expect(JSON.stringify(storm?.spec)).toContain('"true count"');
    const [old] = planCharts(report());
    expect(old?.title).toMatch(/how far the server's count was behind/);
    expect(planCharts(report()).map((plan) => plan.spec === undefined)).toEqual([false, false, true, false]);
  });

  it('renders the same bytes from the same report, and other bytes from other figures', async () => {
    const first = await renderCharts(withNewScenarios());
    const second = await renderCharts(structuredClone(withNewScenarios()));
    expect([...first.keys()]).toEqual([
      'peers-storm.svg',
      'peers-time-to-all.svg',
      'peers-throttling.svg',
      'peers-memory.svg',
    ]);
    for (const [file, svg] of first) {
      expect(svg.startsWith('<svg'), file).toBe(true);
      expect(second.get(file), file).toBe(svg);
    }
    const changed = withNewScenarios();
    changed.throttled = changed.throttled?.map((run) => ({ ...run, throttled: run.throttled + 1_000 }));
    const other = await renderCharts(changed);
    expect(other.get('peers-throttling.svg')).not.toBe(first.get('peers-throttling.svg'));
    expect(other.get('peers-storm.svg')).toBe(first.get('peers-storm.svg'));
  });
});
