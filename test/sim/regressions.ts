/**
 * Seeds that once broke the accounting invariant or the Recorder's bounds, with what they found.
 * Every simulation run replays them first; a seed stays here for good. (A seed names a plan drawn
 * from plan.ts's arbitrary: changing that arbitrary changes what an old seed replays.)
 */
export const REGRESSION_SEEDS: { seed: number; found: string }[] = [
  { seed: 6, found: 'publishes answered by a write on the wire when close() hit its deadline never settled' },
  { seed: 236, found: 'a publish resolved with the Event name from before a collision forced a rename' },
  { seed: 4986, found: 'a write answered in the same instant as the close() deadline was counted lost though applied' },
  {
    seed: 2128,
    found: 'close() deadline: a write waiting for the write budget behind another started after the abort',
  },
  {
    seed: 15,
    found: 'an Event re-created after expiry carries the whole count (the checker took it for a second series)',
  },
  { seed: 10173, found: "after a 409 whose claim failed transiently, the retry merge-patched someone else's Event" },
  { seed: 33955, found: 'the same, after an expiry and a collision behind a failed write' },
  { seed: 35517, found: 'the same' },
  { seed: 91700, found: 'the same' },
  { seed: 92076, found: 'the same' },
];
