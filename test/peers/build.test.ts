import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cargoToolchain,
  ensurePeers,
  goToolchain,
  MissingToolchainError,
  removeEndedBuilds,
} from '../../bench/peers/build.ts';

const path = process.env.PATH;

afterEach(() => {
  process.env.PATH = path;
});

describe('bench:peers toolchains', () => {
  it('says what to install, and how to leave the peer out, when a toolchain is missing', async () => {
    process.env.PATH = '/nonexistent';
    expect(() => cargoToolchain()).toThrow(MissingToolchainError);
    expect(() => cargoToolchain()).toThrow(/install Rust with rustup.*--peers kube-events,client-go/);
    expect(() => goToolchain()).toThrow(/install Go/);
    // Every toolchain is checked before anything is built.
    await expect(ensurePeers(['kube-events', 'kube-rs'], () => undefined)).rejects.toThrow(MissingToolchainError);
  });

  it('runs the kube-events peer compiled to JavaScript on this Node, with no other toolchain', async () => {
    process.env.PATH = '/nonexistent';
    const [peer] = await ensurePeers(['kube-events'], () => undefined);
    expect(peer).toMatchObject({ name: 'kube-events', command: process.execPath });
    const script = peer?.args[0] ?? '';
    expect(script).toMatch(/node_modules\/\.cache\/kube-events-peer-[^/]+\/bench\/peers\/kube-events\/peer\.js$/);
    expect(existsSync(script)).toBe(true);
  });

  it('removes compiled peers of ended processes, keeps the live ones and other folders', () => {
    const cache = mkdtempSync(join(tmpdir(), 'peer-cache-'));
    // A pid above Linux's pid_max (2^22) never belongs to a live process.
    const names = [`kube-events-peer-${process.pid}-a`, 'kube-events-peer-99999999-b', 'kube-events-peer-old', 'jiti'];
    for (const name of names) mkdirSync(join(cache, name));
    removeEndedBuilds(cache);
    expect(names.filter((name) => existsSync(join(cache, name)))).toEqual([
      `kube-events-peer-${process.pid}-a`,
      'jiti',
    ]);
  });
});
