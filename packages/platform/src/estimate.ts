import {
  buildEpisodes,
  cardPrices,
  type Episode,
  estimateRun,
  modelNameKey,
  type PolicyName,
  preflightPrompt,
  type RunEstimate,
} from '@linkboard/core';
import { RANKED_IMAGE_SIDE_MAX } from '@linkboard/datasets/ranked-run';
import { type Db, measuredRate } from '@linkboard/db';
import type { PlatformSettings } from './settings';
import { planRun, type SubmitRequest, type Submitter } from './submit';

/** Queries whose episodes are taken as the sample: a query's episodes span every shot count and policy. */
const SAMPLE_QUERIES = 16;

/** A ranked draw's policies (lcl and flip, each at every shot count, in equal numbers). */
const RANKED_POLICIES: readonly PolicyName[] = ['lcl', 'flip'];

export interface SubmissionEstimate extends RunEstimate {
  /** The cap the request sets, if any: the run stops when its answers have cost this much. */
  maxCostUsd: number | null;
  /** Whose run the time was measured on (the model's last finished run), or null. */
  rateFrom: { submissionId: number } | null;
}

/**
 * What a request would cost, before anything is queued: the run `submit()` would queue (the same
 * checks, through `planRun`), its tokens counted on a sample of its episodes (core's
 * `estimateRun`), dollars at the card's prices, time at the rate of the model's last finished
 * run. Nothing is written and no quota is spent.
 */
export async function estimate(
  db: Db,
  settings: PlatformSettings,
  submitter: Submitter,
  request: SubmitRequest,
): Promise<SubmissionEstimate> {
  const { index, spec, episodeCount, rankedShots } = await planRun(
    db,
    settings,
    submitter,
    request,
  );
  const sample: Pick<Episode, 'prompt'>[] = [];
  let sizes: (imageId: string) => { width: number; height: number } | undefined;
  if (index) {
    // Episodes are built query by query, each query in every shot count, policy and draw: the
    // first queries' episodes are the run's mix.
    const limit = Math.min(
      episodeCount,
      SAMPLE_QUERIES * Math.max(1, spec.shots.length * spec.policies.length * spec.draws),
    );
    for (const episode of buildEpisodes(index, spec)) {
      if (sample.length >= limit) break;
      sample.push(episode);
    }
    sizes = (id) => index.images.get(id);
  } else {
    // A ranked draw is not drawn until it is submitted: its prompts are the policies' own at each
    // shot count (names of a concept's length), its images at the largest size a draw renders.
    for (const shots of rankedShots)
      for (const policy of RANKED_POLICIES)
        sample.push({ prompt: preflightPrompt([policy], [shots]).prompt });
    sizes = () => ({ width: RANKED_IMAGE_SIDE_MAX, height: RANKED_IMAGE_SIDE_MAX });
  }
  const rate = await measuredRate(db, modelNameKey(request.name));
  const estimated = estimateRun({
    episodes: sample,
    total: episodeCount,
    imageSizes: sizes,
    maxImageSide: 'maxImageSide' in request ? request.maxImageSide : undefined,
    prices: cardPrices(request),
    episodesPerSecond: rate?.episodesPerSecond ?? null,
  });
  return {
    ...estimated,
    // Core says how the time was taken; whose rate it was is known only here.
    assumptions: rate
      ? [
          ...estimated.assumptions,
          `The rate is this model's last finished run's (submission ${rate.submissionId}).`,
        ]
      : estimated.assumptions,
    maxCostUsd: request.maxCostUsd ?? null,
    rateFrom: rate ? { submissionId: rate.submissionId } : null,
  };
}
