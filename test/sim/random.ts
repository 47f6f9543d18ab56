/** A seeded generator (pure-rand's xoroshiro128+): a run's every decision replays from its seed. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Random {
  /** In [0, 1). */
  float(): number;
  /** In [from, to], both included. */
  int(from: number, to: number): number;
}

export function seededRandom(seed: number): Random {
  const generator = xoroshiro128plus(seed);
  return {
    float: () => uniformFloat64(generator),
    int: (from, to) => (to < from ? from : uniformInt(generator, from, to)),
  };
}
