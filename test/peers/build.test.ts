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

  it('runs the kube-events peer from source on this Node, with nothing to build', async () => {
    process.env.PATH = '/nonexistent';
    const [peer] = await ensurePeers(['kube-events'], () => undefined);
    expect(peer).toMatchObject({ name: 'kube-events', command: process.execPath });
    expect(peer?.args[0]).toMatch(/bench\/peers\/kube-events\/peer\.ts$/);
  });
});
