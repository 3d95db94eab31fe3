import {
  ADAPTERS_WITHOUT_MODEL_CALLS,
  type Prices,
  type ServedBy,
  type TallyEntry,
  usd,
} from '@linkboard/core';

// What a run used and what answered it, as the submission page and the leaderboard word it: data
// tested without React.

/** Prices as db's `submissionUsage` returns them, what answered as db reads `served_by`. */
export type PricesView = Prices;
export type ServedByView = ServedBy;
export { usd };

/** A latency: whole milliseconds under a second, seconds above. '–' for none measured. */
export function latency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const count = (n: number) => n.toLocaleString('en');

/** The prices a cost was computed at, per million tokens as providers publish them. */
export function pricesLabel(prices: PricesView | null): string {
  if (!prices) return 'no prices stated';
  return `at ${usd(prices.inputUsdPerMTok)} input / ${usd(prices.outputUsdPerMTok)} output per million tokens`;
}

/** Whether a run asks a model at all (uploaded answers and built-in baselines make no request). */
export const asksAModel = (adapter: string) =>
  !(ADAPTERS_WITHOUT_MODEL_CALLS as readonly string[]).includes(adapter);

/** A tally's entries, most answers first (then by name, so the order is stable). */
export const tallyEntries = (tally: readonly TallyEntry[]): [string, number][] =>
  tally
    .map((e): [string, number] => [e.name, e.answers])
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));

/**
 * What answered, for the page: the reply models and fingerprints with their counts, the engine
 * when known, and in words where more than one model or fingerprint answered: the endpoint changed
 * under the run, so its result mixes what they are.
 */
export function whatAnswered(servedBy: ServedByView | null) {
  const models = tallyEntries(servedBy?.models ?? []);
  const fingerprints = tallyEntries(servedBy?.fingerprints ?? []);
  const warnings: string[] = [];
  if (models.length > 1)
    warnings.push(
      `${models.length} different models answered: the endpoint changed during the run, and its results mix them.`,
    );
  if (fingerprints.length > 1)
    warnings.push(
      `${fingerprints.length} different system fingerprints answered: the serving configuration changed during the run.`,
    );
  const engine = servedBy?.engine ?? null;
  return {
    models,
    fingerprints,
    engine: engine ? `${engine.name} ${engine.version}` : null,
    warnings,
    /** Nothing recorded yet (or by a runner from before it was). */
    empty: models.length === 0 && fingerprints.length === 0 && engine === null,
  };
}

/**
 * The cost line: dollars with the prices they were computed at, the cap where one was set, and
 * "a floor" where some answers did not state their tokens.
 */
export function costLine(usage: {
  costUsd: number | null;
  prices: PricesView | null;
  maxCostUsd: number | null;
  answers: number;
  answersWithTokens: number;
}): string {
  const cap = usage.maxCostUsd !== null ? `, capped at ${usd(usage.maxCostUsd)}` : '';
  if (usage.costUsd === null) return `– (no prices stated${cap})`;
  const floor =
    usage.answersWithTokens < usage.answers
      ? ` (at least: ${count(usage.answers - usage.answersWithTokens)} of ${count(usage.answers)} answers did not state their tokens)`
      : '';
  return `${usd(usage.costUsd)} ${pricesLabel(usage.prices)}${cap}${floor}`;
}
