/** Seconds to generate the client for each Kubernetes version in openapi/ (target ≤ 5 s each). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../codegen/generate.ts';
import { listVersions, specPathForVersion } from '../codegen/spec-files.ts';
import { machine, printTable } from './_measure.ts';

const work = mkdtempSync(join(tmpdir(), 'kube-events-bench-codegen-'));
const rows: (string | number)[][] = [];
try {
  for (const version of listVersions()) {
    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      const result = await generate(specPathForVersion(version), join(work, `${version}-${run}`));
      runs.push(result.milliseconds / 1000);
    }
    runs.sort((a, b) => a - b);
    rows.push([version, (runs[0] ?? 0).toFixed(2), (runs[1] ?? 0).toFixed(2), (runs[2] ?? 0).toFixed(2)]);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
printTable(`codegen per Kubernetes version, 3 runs (first includes warm-up) — ${machine()}`, rows, [
  'version',
  'min s',
  'median s',
  'max s',
]);
