/**
 * The charts of the bench:peers report: Vega-Lite specs built from a report, compiled to Vega and
 * rendered to SVG in Node (no browser, no canvas). The same report gives the same bytes: the specs
 * hold only figures from the report, in the report's order, and Vega's SVG renderer measures text
 * with a fixed estimate when there is no canvas.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { PeerName } from './contract.ts';
import { spread } from './figures.ts';
import type { FleetRun, LandingRun } from './landing.ts';
import type { PeerReport } from './report.ts';

/** One chart of the report: its file name and what it shows; `spec` is undefined when nothing it needs was measured. */
export interface ChartPlan {
  file: string;
  title: string;
  spec: TopLevelSpec | undefined;
}

const WIDTH = 520;
const HEIGHT = 260;
/** Fixed colours per peer, so a peer looks the same in every chart whichever peers were run. */
const PEER_COLORS: Record<PeerName | 'true count', string> = {
  'kube-events': '#1f77b4',
  'client-go': '#ff7f0e',
  'kube-rs': '#2ca02c',
  'true count': '#7f7f7f',
};

function median(values: readonly (number | undefined)[]): number | undefined {
  const measured = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  return measured.length === 0 ? undefined : spread(measured).median;
}

function peerScale(names: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...names], range: names.map((name) => PEER_COLORS[name as PeerName] ?? '#000000') };
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: {
    font: 'sans-serif',
    axis: { labelFontSize: 11, titleFontSize: 12 },
    axisX: { labelAngle: 0 },
    legend: { labelFontSize: 11 },
  },
} as const;

/** (a) The server's count against the true count over the storm, run 1 of each peer; without series, staleness. */
function stormChart(report: PeerReport): ChartPlan {
  const file = 'peers-storm.svg';
  const peers = report.peers.map((peer) => peer.name);
  const firstRuns = peers.flatMap((peer) => {
    const run = report.storm.find((candidate) => candidate.peer === peer && candidate.series !== undefined);
    return run === undefined ? [] : [run];
  });
  if (firstRuns.length > 0) {
    const rows: { series: string; t: number; count: number }[] = [];
    for (const point of firstRuns[0]?.series ?? []) rows.push({ series: 'true count', t: point.t, count: point.due });
    for (const run of firstRuns) {
      for (const point of run.series ?? []) rows.push({ series: run.peer, t: point.t, count: point.count });
    }
    const series = ['true count', ...firstRuns.map((run) => run.peer)];
    return {
      file,
      title: "Storm: the server's count against the true count, each second (one run per peer)",
      spec: {
        ...BASE,
        width: WIDTH,
        height: HEIGHT,
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds since the first publish' },
          y: { field: 'count', type: 'quantitative', title: 'series count on the server' },
          color: { field: 'series', type: 'nominal', title: null, scale: peerScale(series), sort: series },
          strokeDash: {
            condition: { test: "datum.series === 'true count'", value: [4, 3] },
            value: [1, 0],
          },
        },
      },
    };
  }
  // Results from before the series was kept: how far behind the server was, max and mean.
  const rows = peers.flatMap((peer) => {
    const runs = report.storm.filter((run) => run.peer === peer);
    return [
      { peer, figure: 'max', behind: median(runs.map((run) => run.stalenessMax)) },
      { peer, figure: 'mean', behind: median(runs.map((run) => run.stalenessMean)) },
    ].filter((row) => row.behind !== undefined);
  });
  return {
    file,
    title: `Storm: how far the server's count was behind the true count (of ${report.config.storm.publishes.toLocaleString('en-US')}; median of the runs)`,
    spec:
      rows.length === 0
        ? undefined
        : {
            ...BASE,
            width: WIDTH,
            height: HEIGHT,
            data: { values: rows },
            mark: 'bar',
            encoding: {
              x: { field: 'figure', type: 'nominal', title: null, sort: ['max', 'mean'] },
              xOffset: { field: 'peer', type: 'nominal', sort: peers },
              y: { field: 'behind', type: 'quantitative', title: 'publishes not on the server' },
              color: { field: 'peer', type: 'nominal', title: null, scale: peerScale(peers), sort: peers },
            },
          },
  };
}

function landingScenarios(
  report: PeerReport,
): { label: string; runs: readonly { peer: PeerName; timeToAllMs: number | undefined }[] }[] {
  const n = (count: number | undefined): string => (count === undefined ? '' : ` ${count.toLocaleString('en-US')}`);
  return [
    { label: `distinct${n(report.config.distinct.publishes)}`, runs: report.distinct },
    { label: `burst${n(report.config.burst?.publishes)}`, runs: report.burst ?? [] },
    { label: `throttled${n(report.config.throttled?.publishes)}`, runs: report.throttled ?? [] },
  ];
}

/** (b) Seconds until every distinct Event was on the server: distinct, burst, throttled (log scale: 1 s to minutes). */
function landingChart(report: PeerReport): ChartPlan {
  const peers = report.peers.map((peer) => peer.name);
  const scenarios = landingScenarios(report);
  const rows = scenarios.flatMap(({ label, runs }) =>
    peers.flatMap((peer) => {
      const seconds = median(runs.filter((run) => run.peer === peer).map((run) => run.timeToAllMs));
      return seconds === undefined ? [] : [{ scenario: label, peer, seconds: seconds / 1000 }];
    }),
  );
  return {
    file: 'peers-time-to-all.svg',
    title: 'Seconds until every distinct Event is on the server (median; a missing bar: they never all were)',
    spec:
      rows.length === 0
        ? undefined
        : {
            ...BASE,
            width: WIDTH,
            height: HEIGHT,
            data: { values: rows },
            mark: 'bar',
            encoding: {
              x: { field: 'scenario', type: 'nominal', title: null, sort: scenarios.map((s) => s.label) },
              xOffset: { field: 'peer', type: 'nominal', sort: peers },
              y: { field: 'seconds', type: 'quantitative', title: 'seconds (log scale)', scale: { type: 'log' } },
              // A log scale has no zero: the bars start at 0.1 s.
              y2: { datum: 0.1 },
              color: { field: 'peer', type: 'nominal', title: null, scale: peerScale(peers), sort: peers },
            },
          },
  };
}

/** (c) Writes and the ones answered 429 under throttling, and in the fleet. */
function throttlingChart(report: PeerReport): ChartPlan {
  const peers = report.peers.map((peer) => peer.name);
  const scenarios: { label: string; runs: readonly (LandingRun | FleetRun)[] }[] = [
    { label: 'throttled', runs: report.throttled ?? [] },
    { label: 'fleet', runs: report.fleet ?? [] },
  ];
  const rows = scenarios.flatMap(({ label, runs }) =>
    peers.flatMap((peer) => {
      const own = runs.filter((run) => run.peer === peer && run.failure === undefined);
      const writes = median(own.map((run) => run.writes));
      const throttled = median(own.map((run) => run.throttled));
      if (writes === undefined || throttled === undefined) return [];
      return [
        { scenario: label, peer, answer: 'accepted', writes: writes - throttled },
        { scenario: label, peer, answer: '429', writes: throttled },
      ];
    }),
  );
  const answers = ['accepted', '429'];
  return {
    file: 'peers-throttling.svg',
    title: 'Event writes against the APF-limited apiserver: accepted and answered 429 (median)',
    spec:
      rows.length === 0
        ? undefined
        : {
            ...BASE,
            data: { values: rows },
            mark: 'bar',
            width: Math.round(WIDTH / 2),
            height: HEIGHT,
            encoding: {
              column: { field: 'scenario', type: 'nominal', title: null, sort: scenarios.map((s) => s.label) },
              x: { field: 'peer', type: 'nominal', title: null, sort: peers },
              y: { field: 'writes', type: 'quantitative', title: 'writes', stack: 'zero' },
              color: {
                field: 'answer',
                type: 'nominal',
                title: null,
                sort: answers,
                scale: { domain: answers, range: ['#4c78a8', '#e45756'] },
              },
              order: { field: 'answer', sort: 'descending' },
            },
            resolve: { scale: { y: 'independent' } },
          },
  };
}

/** (d) Peak resident memory of one recorder process, per scenario. */
function memoryChart(report: PeerReport): ChartPlan {
  const peers = report.peers.map((peer) => peer.name);
  const scenarios: { label: string; runs: readonly { peer: PeerName; peakRssBytes: number | undefined }[] }[] = [
    { label: 'storm', runs: report.storm },
    { label: 'burst', runs: report.burst ?? [] },
    { label: 'throttled', runs: report.throttled ?? [] },
    { label: 'fleet (largest agent)', runs: report.fleet ?? [] },
  ];
  const rows = scenarios.flatMap(({ label, runs }) =>
    peers.flatMap((peer) => {
      const bytes = median(runs.filter((run) => run.peer === peer).map((run) => run.peakRssBytes));
      return bytes === undefined ? [] : [{ scenario: label, peer, mib: Math.round(bytes / 1024 / 1024) }];
    }),
  );
  return {
    file: 'peers-memory.svg',
    title: 'Peak RSS of a recorder process, MiB (median)',
    spec:
      rows.length === 0
        ? undefined
        : {
            ...BASE,
            width: WIDTH,
            height: HEIGHT,
            data: { values: rows },
            mark: 'bar',
            encoding: {
              x: { field: 'scenario', type: 'nominal', title: null, sort: scenarios.map((s) => s.label) },
              xOffset: { field: 'peer', type: 'nominal', sort: peers },
              y: { field: 'mib', type: 'quantitative', title: 'MiB' },
              color: { field: 'peer', type: 'nominal', title: null, scale: peerScale(peers), sort: peers },
            },
          },
  };
}

/** Every chart of the report, in the order the report shows them. */
export function planCharts(report: PeerReport): ChartPlan[] {
  return [stormChart(report), landingChart(report), throttlingChart(report), memoryChart(report)];
}

/** A Vega-Lite spec → SVG text, rendered headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** The charts that have data, rendered: file name → SVG. */
export async function renderCharts(report: PeerReport): Promise<Map<string, string>> {
  const charts = new Map<string, string>();
  for (const plan of planCharts(report)) {
    if (plan.spec !== undefined) charts.set(plan.file, await renderSvg(plan.spec));
  }
  return charts;
}

/** Writes the rendered charts into `dir`; returns their file names. */
export async function writeCharts(report: PeerReport, dir: string): Promise<string[]> {
  const charts = await renderCharts(report);
  for (const [file, svg] of charts) writeFileSync(join(dir, file), svg);
  return [...charts.keys()];
}
