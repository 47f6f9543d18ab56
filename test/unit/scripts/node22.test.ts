/** The launcher's decisions (scripts/node22.cjs): which node runs the project's scripts. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

interface Version {
  major: number;
  minor: number;
  patch: number;
}
type Decision =
  { kind: 'current' } | { kind: 'found'; path: string; version: Version } | { kind: 'install'; major: number };
interface Launcher {
  REQUIRED: Version;
  INSTALL_MAJOR: number;
  parseVersion(text: string): Version | undefined;
  decide(facts: {
    current: Version | undefined;
    candidates: { path: string; version: Version }[];
    major?: number | undefined;
  }): Decision;
  cannotMessage(facts: { current: Version | undefined; major?: number; cacheDir: string; problem: string }): string;
  npmProblem(stderr: string): string;
}

const launcher = createRequire(import.meta.url)('../../../scripts/node22.cjs') as Launcher;
const v = (text: string): Version => {
  const version = launcher.parseVersion(text);
  if (version === undefined) throw new Error(`not a version: ${text}`);
  return version;
};

describe('node22 launcher', () => {
  it('needs Node 22.18 (type stripping on by default) and installs 24', () => {
    expect(launcher.REQUIRED).toEqual({ major: 22, minor: 18, patch: 0 });
    expect(launcher.INSTALL_MAJOR).toBe(24);
  });

  it('parses node --version output', () => {
    expect(launcher.parseVersion('v20.20.2\n')).toEqual({ major: 20, minor: 20, patch: 2 });
    expect(launcher.parseVersion('24.21.0')).toEqual({ major: 24, minor: 21, patch: 0 });
    expect(launcher.parseVersion('not node')).toBeUndefined();
  });

  it.each(['v22.18.0', 'v22.20.1', 'v24.21.0', 'v26.0.0'])('runs on the current node %s', (current) => {
    expect(launcher.decide({ current: v(current), candidates: [] })).toEqual({ kind: 'current' });
  });

  it.each(['v18.20.0', 'v20.20.2', 'v22.17.9', 'v21.99.0'])('does not run on %s', (current) => {
    expect(launcher.decide({ current: v(current), candidates: [] })).toEqual({ kind: 'install', major: 24 });
  });

  it('uses the newest node found on the machine that is new enough', () => {
    const candidates = [
      { path: '/usr/local/bin/node', version: v('v22.12.0') },
      { path: '/opt/node22/bin/node', version: v('v22.19.0') },
      { path: '/cache/node24/node_modules/.bin/node', version: v('v24.21.0') },
      { path: '/cache/node20/node_modules/.bin/node', version: v('v20.20.2') },
    ];
    expect(launcher.decide({ current: v('v20.20.2'), candidates })).toEqual({
      kind: 'found',
      path: '/cache/node24/node_modules/.bin/node',
      version: v('v24.21.0'),
    });
  });

  it('installs when only too old nodes are found', () => {
    const candidates = [{ path: '/usr/bin/node', version: v('v22.11.0') }];
    expect(launcher.decide({ current: undefined, candidates })).toEqual({ kind: 'install', major: 24 });
  });

  it('finds or installs exactly the major CI asks for (--bin-dir)', () => {
    const candidates = [
      { path: '/cache/node24/node_modules/.bin/node', version: v('v24.21.0') },
      { path: '/cache/node26/node_modules/.bin/node', version: v('v26.1.0') },
    ];
    expect(launcher.decide({ current: v('v20.20.2'), candidates, major: 20 })).toEqual({ kind: 'current' });
    expect(launcher.decide({ current: v('v20.20.2'), candidates, major: 26 })).toMatchObject({
      kind: 'found',
      path: '/cache/node26/node_modules/.bin/node',
    });
    expect(launcher.decide({ current: v('v24.21.0'), candidates, major: 22 })).toEqual({ kind: 'install', major: 22 });
  });

  it('says in one line which version is needed and how to get it when it cannot install', () => {
    const message = launcher.cannotMessage({
      current: v('v20.20.2'),
      cacheDir: '/home/me/.cache/kube-events',
      problem: 'connect ECONNREFUSED',
    });
    expect(message).not.toContain('\n');
    expect(message).toContain('needs Node >= 22.18 (this node is v20.20.2)');
    expect(message).toContain('connect ECONNREFUSED');
    expect(message).toContain('npm install --prefix /home/me/.cache/kube-events/node24 node@24');
  });

  it("keeps npm's explanation, not its error code, stack or log path", () => {
    const stderr = [
      'npm error code ECONNREFUSED',
      'npm error syscall connect',
      'npm error FetchError: request to http://127.0.0.1:9/node failed, reason: connect ECONNREFUSED 127.0.0.1:9',
      'npm error     at ClientRequest.<anonymous> (minipass-fetch/lib/index.js:130:14)',
      'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log',
    ].join('\n');
    expect(launcher.npmProblem(stderr)).toBe(
      'FetchError: request to http://127.0.0.1:9/node failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(launcher.npmProblem('')).toBe('npm failed');
  });
});
