/**
 * Opt-in per-object filter, as client-go's legacy recorder (tools/record events_cache.go): per
 * (regarding object, type) a burst of events, then one per refill interval. Keys are kept in an LRU.
 */
import { LRUCache } from 'lru-cache';
import type { ObjectReference } from '../types.ts';
import type { SpamFilterOptions } from './options.ts';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class SpamFilter {
  readonly #options: Required<SpamFilterOptions>;
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(options: Required<SpamFilterOptions>) {
    this.#options = options;
    this.#buckets = new LRUCache({ max: options.maxObjects });
  }

  /** True when the occurrence may pass; takes a token. */
  allow(regarding: ObjectReference, type: string, nowMs: number): boolean {
    const key = `${regarding.apiVersion ?? ''}\u0001${regarding.kind ?? ''}\u0001${regarding.namespace ?? ''}\u0001${regarding.name ?? ''}\u0001${regarding.uid ?? ''}\u0001${type}`;
    const bucket = this.#buckets.get(key) ?? { tokens: this.#options.burst, updatedMs: nowMs };
    const refilled = Math.min(
      this.#options.burst,
      bucket.tokens + (nowMs - bucket.updatedMs) / this.#options.refillIntervalMs,
    );
    const allowed = refilled >= 1;
    this.#buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, updatedMs: nowMs });
    return allowed;
  }
}
