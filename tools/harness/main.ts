/**
 * `npm run apiserver:build` builds (or finds in the cache) the test apiserver and kubectl;
 * `npm run apiserver` runs it in the foreground for manual use. Options: --k8s <version>, --event-ttl <duration>.
 */
import { parseArgs } from 'node:util';
import { ensureHarness } from './build.ts';
import { startHarness } from './start.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { k8s: { type: 'string' }, 'event-ttl': { type: 'string' } },
});
const command = positionals[0] ?? 'run';

try {
  const binaries = await ensureHarness(values.k8s !== undefined ? { version: values.k8s } : {});
  console.log(`apiserver: ${binaries.apiserver}${binaries.cached ? ' (cached)' : ''}\nkubectl:   ${binaries.kubectl}`);
  if (command === 'run') {
    const harness = await startHarness(
      binaries.apiserver,
      values['event-ttl'] !== undefined ? { eventTtl: values['event-ttl'] } : {},
    );
    const { info } = harness;
    console.log(`\nkube-apiserver ${info.version} ready at ${info.server} in ${info.startedToReadyMs} ms`);
    console.log(`try:\n  ${binaries.kubectl} --kubeconfig ${info.kubeconfigs.admin} get events -A`);
    console.log(
      `identities: ${Object.entries(info.kubeconfigs)
        .map(([name, file]) => `\n  ${name.padEnd(15)} ${file}`)
        .join('')}`,
    );
    console.log('\nCtrl-C stops it and removes its files.');
    const shutdown = (): void => {
      void harness.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    await new Promise(() => {});
  } else if (command !== 'build') {
    console.error(`unknown command "${command}": use build or run`);
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`apiserver: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
