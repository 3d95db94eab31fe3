// Shared by the exposure tests (no vitest import here).

/**
 * The isekai-synth the exposure tests run on: every pair of the catalog (the pairs are the
 * clusters, and the check's power grows with them), 16 support images per concept.
 */
export const EXPOSURE_SYNTH = { pairs: 24, perConcept: 20, queriesPerConcept: 4 } as const;

/**
 * The evaluation: 2-shot episodes only, 64 per pair. A 2-shot episode shows one image per class,
 * so the cheat's memory fills over dozens of episodes of a pair instead of a handful, which is
 * where the check can see it; with 8- and 16-shot episodes mixed in it is full after a few.
 */
export const EXPOSURE_SETTING = {
  shots: [2],
  policies: ['lcl' as const],
  draws: 8,
};
