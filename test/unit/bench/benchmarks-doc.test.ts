import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts } from '../../../bench/peers/charts.ts';
import {
  BENCHMARKS_DOC,
  DOC_CHARTS_BASE,
  README,
  README_BEGIN,
  README_END,
  readReport,
  renderMarkdown,
  renderReadmeTable,
  RESULTS_MD,
  withGeneratedSection,
} from '../../../bench/peers/report.ts';

describe('the comparison in docs/benchmarks.md', () => {
  it('is the rendering of bench/results/peers.json, as npm run bench:peers wrote it', async () => {
    const report = readReport();
    const doc = readFileSync(BENCHMARKS_DOC, 'utf8');
    expect(withGeneratedSection(doc, await renderMarkdown(report, DOC_CHARTS_BASE))).toBe(doc);
    expect(readFileSync(RESULTS_MD, 'utf8')).toBe(await renderMarkdown(report));
  });

  it('shows the charts rendered from bench/results/peers.json, byte for byte, and no others', async () => {
    const charts = await renderCharts(readReport());
    const results = dirname(RESULTS_MD);
    expect(charts.size).toBeGreaterThan(0);
    for (const [file, svg] of charts) {
      expect(readFileSync(join(results, file), 'utf8'), file).toBe(svg);
      expect(readFileSync(BENCHMARKS_DOC, 'utf8')).toContain(`](${DOC_CHARTS_BASE}${file})`);
    }
    // A chart left behind by an older report would be shown by nothing and checked by nothing.
    const committed = readdirSync(results).filter((file) => file.endsWith('.svg'));
    expect(committed.sort()).toEqual([...charts.keys()].sort());
  });

  it('is shown in the README too: every chart, and below them the headline rows of the table, as rendered', async () => {
    const readme = readFileSync(README, 'utf8');
    for (const file of (await renderCharts(readReport())).keys()) expect(readme).toContain(`bench/results/${file}`);
    const markers = { begin: README_BEGIN, end: README_END };
    expect(withGeneratedSection(readme, await renderReadmeTable(readReport()), markers)).toBe(readme);
    expect(readme.indexOf('bench/results/peers-memory.svg')).toBeLessThan(readme.indexOf(README_BEGIN));
  });

  it('covers three runs of every scenario for every peer', () => {
    const report = readReport();
    expect(report.peers.map((peer) => peer.name)).toEqual(['kube-events', 'client-go', 'kube-rs']);
    for (const scenario of ['storm', 'faults', 'distinct', 'shutdown', 'burst', 'throttled', 'fleet'] as const) {
      for (const peer of report.peers) {
        expect((report[scenario] ?? []).filter((run) => run.peer === peer.name)).toHaveLength(report.config.runs);
      }
    }
    expect(report.config.runs).toBe(3);
  });
});
