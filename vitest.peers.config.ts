import { defineConfig } from 'vitest/config';

/**
 * bench:peers' own tests (npm run test:peers): the peer contract, figures and report, and the
 * scenarios run small with the kube-events and client-go peers. They assert how client-go and
 * kube-rs behave and need their toolchains, so they stay out of the default `npm test`.
 */
export default defineConfig({
  test: {
    name: 'peers',
    include: ['test/peers/**/*.test.ts'],
    // The scenarios build the client-go peer and the apiserver on a first run (minutes).
    hookTimeout: 900_000,
    testTimeout: 120_000,
  },
});
