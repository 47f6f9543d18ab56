/** A token AuthProvider for transport tests: hands out tokens in order, the next one after each 401. */
import type { AuthProvider, Credentials } from '../../src/connection/types.ts';

export function rotatingTokens(tokens: string[]): AuthProvider & { index: number } {
  const provider = {
    method: 'token' as const,
    index: 0,
    credentials(): Promise<Credentials> {
      return Promise.resolve({ authorization: `Bearer ${tokens[provider.index] ?? ''}` });
    },
    refreshAfterUnauthorized(used: Credentials): Promise<boolean> {
      if (used.authorization !== `Bearer ${tokens[provider.index] ?? ''}`) return Promise.resolve(true);
      if (provider.index + 1 >= tokens.length) return Promise.resolve(false);
      provider.index += 1;
      return Promise.resolve(true);
    },
    close(): void {},
  };
  return provider;
}
