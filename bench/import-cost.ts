/**
 * What `import('kube-events')` costs a process, as a user's project sees it: the built package
 * (dist/, built here first) imported by its name in a fresh Node process, each figure the median of
 * `--runs` processes. Beside it, what connect() then adds (it imports the kubeconfig loader and the
 * TLS/HTTP stack on first use; no request is sent) and the dependencies alone, so the figures say
 * where the time and the memory go. Resident memory is the growth over the process's own at start.
 * Printed, never asserted (issue 15 target: ≤ 60 ms on Node 24).
 *
 *   node bench/import-cost.ts [--runs 9]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, printTable } from './_measure.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new RangeError('--runs must be a positive integer');
const root = fileURLToPath(new URL('..', import.meta.url));

const KUBECONFIG = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } }],
  users: [{ name: 'u', user: { token: 'bench' } }],
  contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'x',
};

const CASES: { label: string; body: string }[] = [
  { label: "import('kube-events')", body: "await import('kube-events');" },
  {
    label: "import('kube-events') + connect()",
    body: `const { connect } = await import('kube-events'); const c = await connect({ kubeconfig: ${JSON.stringify(KUBECONFIG)}, warn: () => {} }); await c.close();`,
  },
  { label: "import('ky') alone (loads Node's fetch)", body: "await import('ky');" },
  { label: "import('undici') alone", body: "await import('undici');" },
  { label: "import('yaml') alone", body: "await import('yaml');" },
];

/** One fresh process: milliseconds and resident bytes added by `body`. */
function once(body: string): { ms: number; rssBytes: number } {
  const script = `const rss0 = process.memoryUsage().rss; const t0 = performance.now(); ${body}
console.log(JSON.stringify({ ms: performance.now() - t0, rssBytes: process.memoryUsage().rss - rss0 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out) as { ms: number; rssBytes: number };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
const rows: (string | number)[][] = [];
for (const { label, body } of CASES) {
  const runs = Array.from({ length: RUNS }, () => once(body));
  rows.push([
    label,
    median(runs.map((r) => r.ms)).toFixed(1),
    Math.min(...runs.map((r) => r.ms)).toFixed(1),
    (median(runs.map((r) => r.rssBytes)) / 2 ** 20).toFixed(1),
  ]);
}
printTable(`Import cost, median of ${RUNS} fresh processes (${machine()})`, rows, ['case', 'ms', 'min ms', 'RSS MiB']);
