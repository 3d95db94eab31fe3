import { type Episode, Prng } from '@linkboard/core';

/**
 * The `random` baseline: one of the pair's two labels, seeded by the episode, in the `lcl` answer
 * form. Expected accuracy 50%; it is the floor every model must clear.
 */
export function randomAnswer(episode: Episode): string {
  const rng = Prng.fromKey(`baseline:random|${episode.id}`);
  const label = rng.nextInt(2) === 0 ? episode.query.label : episode.query.other;
  return `there is "${label}" in the image.`;
}
