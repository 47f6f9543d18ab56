import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cargoToolchain, ensurePeers, goToolchain, MissingToolchainError } from '../../bench/peers/build.ts';

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
});
