/** Shared timing and printing for bench/ scripts: figures are printed, never asserted. */
import { arch, cpus, platform } from 'node:os';

export interface Timing {
  label: string;
  nsPerCall: number;
}

/** Runs `fn` `iterations` times after a warm-up and returns the mean ns per call (best of `rounds`). */
export function timePerCall(label: string, iterations: number, fn: (i: number) => unknown, rounds = 5): Timing {
  let sink: unknown;
  for (let i = 0; i < Math.min(iterations, 100_000); i++) sink = fn(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn(i);
    const elapsed = Number(process.hrtime.bigint() - start);
    best = Math.min(best, elapsed / iterations);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return { label, nsPerCall: best };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${platform()}/${arch()}, node ${process.version}`;
}

export function printTable(title: string, rows: (string | number)[][], header: string[]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const [index, row] of all.entries()) {
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
