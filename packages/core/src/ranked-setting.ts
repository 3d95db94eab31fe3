import { z } from 'zod';
import { ScorerNameSchema, ShotsSchema } from './adapter-config';
import { type BenchmarkIndex, maxShots } from './episode';
import { CLUSTER_UNITS, type ClusterUnit } from './metrics/clustered';
import { DEFAULT_POLICY, POLICIES, POLICY_NAMES, type PolicyName } from './policy';
import { DEFAULT_SCORER } from './scorer';

/**
 * The setting a benchmark version ranks models on, stored with the version: every ranked
 * submission is measured the same way (the same shot counts, draws, policy and scorer), so two
 * ranked rows always compare. A submission that ran more is ranked on this part of it.
 */
export const RankedSettingSchema = z.object({
  shots: ShotsSchema,
  draws: z.number().int().min(1).max(20),
  // A control (flip) is shown beside the ranking, never ranked by.
  policy: z
    .enum(POLICY_NAMES)
    .refine((p) => !POLICIES[p].control, { message: 'a control policy cannot be ranked on' }),
  scorer: ScorerNameSchema,
  /**
   * What answers cluster by, the unit every interval sums over (core's `clustered.ts`): `pair`
   * (the default: a novel concept and its look-alike share their demonstrations), `concept`, or
   * `episode` (a design where each episode has a concept of its own, where concept and episode
   * are one).
   */
  clusterUnit: z.enum(CLUSTER_UNITS).optional(),
});
export type RankedSetting = z.infer<typeof RankedSettingSchema>;

/** The cluster unit a setting names, `pair` when it names none (every version before the field). */
export const clusterUnitOf = (setting: Pick<RankedSetting, 'clusterUnit'>): ClusterUnit =>
  setting.clusterUnit ?? 'pair';

/** The paper's shot counts, two draws per query, LCL, and the strict scorer. */
export const DEFAULT_RANKED_SETTING: RankedSetting = {
  shots: [2, 4, 8, 16],
  draws: 2,
  policy: DEFAULT_POLICY,
  scorer: DEFAULT_SCORER,
};

/** The default setting, less the shot counts the benchmark has too few support images for. */
export function rankedSettingFor(index: BenchmarkIndex): RankedSetting {
  if (index.fixed) {
    // Its own episodes, one draw each; each is a pair of its own when it has as many pairs as
    // episodes (the ranked draw), and then answers cluster by episode.
    const shots = [...new Set(index.fixed.map((e) => e.support.length))].sort((a, b) => a - b);
    const ownPairs = new Set(index.fixed.map((e) => e.pair)).size === index.fixed.length;
    return {
      ...DEFAULT_RANKED_SETTING,
      shots,
      draws: 1,
      ...(ownPairs ? { clusterUnit: 'episode' as const } : {}),
    };
  }
  const most = maxShots(index);
  const shots = DEFAULT_RANKED_SETTING.shots.filter((s) => s <= most);
  return { ...DEFAULT_RANKED_SETTING, shots: shots.length > 0 ? shots : [2] };
}

/**
 * Models of the platform's reference server that are there to be caught, never ranked: the
 * planted cheat of the exposure check, by its model name, with the board's reason.
 */
export const NEVER_RANKED_REFERENCE_MODELS: Readonly<Record<string, string>> = {
  'stateful-prototype': 'planted cheat: remembers support images across episodes',
  lookup: 'reference: answers from a public answer key',
  'query-only': 'reference: answers from the query image alone, trained on public data',
};

/**
 * Why a submission is not ranked under a setting, in a few words for the board ("ran 16 shots
 * only"); null when it ran the whole setting. `referenceModel` is the model a submission asks the
 * platform's own reference server for (null for any other endpoint).
 */
export function unrankedReason(
  submission: {
    shots: readonly number[];
    draws: number;
    policies: readonly PolicyName[];
    referenceModel?: string | null;
  },
  setting: Pick<RankedSetting, 'shots' | 'draws' | 'policy'>,
): string | null {
  const planted =
    submission.referenceModel != null
      ? NEVER_RANKED_REFERENCE_MODELS[submission.referenceModel]
      : undefined;
  if (planted !== undefined) return planted;
  if (!submission.policies.includes(setting.policy)) return `did not run ${setting.policy}`;
  const missing = setting.shots.filter((s) => !submission.shots.includes(s));
  if (missing.length > 0) {
    const ran = setting.shots.filter((s) => submission.shots.includes(s));
    return ran.length > 0
      ? `ran ${ran.join(', ')} of ${setting.shots.join(', ')} shots`
      : `ran ${submission.shots.join(', ')} shots only`;
  }
  if (submission.draws < setting.draws)
    return `ran ${submission.draws} draw${submission.draws === 1 ? '' : 's'} of ${setting.draws}`;
  return null;
}
