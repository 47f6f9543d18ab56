import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BENCHMARKS_DOC,
  readReport,
  renderMarkdown,
  RESULTS_MD,
  withGeneratedSection,
} from '../../../bench/peers/report.ts';

describe('the comparison in docs/benchmarks.md', () => {
  it('is the rendering of bench/results/peers.json, as npm run bench:peers wrote it', async () => {
    const markdown = await renderMarkdown(readReport());
    const doc = readFileSync(BENCHMARKS_DOC, 'utf8');
    expect(withGeneratedSection(doc, markdown)).toBe(doc);
    expect(readFileSync(RESULTS_MD, 'utf8')).toBe(markdown);
  });

  it('covers three runs of every scenario for every peer', () => {
    const report = readReport();
    expect(report.peers.map((peer) => peer.name)).toEqual(['kube-events', 'client-go', 'kube-rs']);
    for (const scenario of ['storm', 'faults', 'distinct', 'shutdown'] as const) {
      for (const peer of report.peers) {
        expect(report[scenario].filter((run) => run.peer === peer.name)).toHaveLength(report.config.runs);
      }
    }
    expect(report.config.runs).toBe(3);
  });
});
