import { accuracyBy, linkGain, type Manifest, type ScorerName, verdictOf } from '@linkboard/core';
import type { EpisodeResult } from './run';
import { toScoredAnswer } from './summary';

/** The `--json` summary of an evaluation. Field names are snake_case and stable. */
export function evalSummary(
  results: readonly EpisodeResult[],
  manifest: Manifest,
  model: string,
  scorer: ScorerName,
) {
  const answers = results.map((r) => toScoredAnswer(r.episode, verdictOf(r.verdicts, scorer)));
  const byClass = new Map(
    accuracyBy(answers, ['shots', 'policy', 'queryClass'] as const).map((r) => [
      r.key.join('|'),
      r.accuracy,
    ]),
  );
  const errorsByClass: Record<string, number> = {};
  for (const r of results)
    if (r.result.errorClass)
      errorsByClass[r.result.errorClass] = (errorsByClass[r.result.errorClass] ?? 0) + 1;
  return {
    benchmark: {
      name: manifest.benchmark.name,
      version: manifest.benchmark.version,
      manifest_hash: manifest.manifestHash,
    },
    model,
    scorer,
    episodes: results.length,
    per_shot: accuracyBy(answers, ['shots', 'policy'] as const).map((row) => ({
      shots: row.key[0],
      policy: row.key[1],
      n: row.n,
      accuracy: row.accuracy,
      ci_low: row.low,
      ci_high: row.high,
      errors: row.outcomes.error,
      novel_accuracy: byClass.get(`${row.key[0]}|${row.key[1]}|novel`) ?? null,
      familiar_accuracy: byClass.get(`${row.key[0]}|${row.key[1]}|familiar`) ?? null,
      outcomes: row.outcomes,
    })),
    link_gain: linkGain(answers),
    errors_by_class: errorsByClass,
    /** Answers whose reply carried reasoning beside its content (never scored). */
    reasoning_answers: results.filter((r) => r.result.reasoning === true).length,
  };
}

/** One `--out` line per episode: what was asked, what came back, and every scorer's verdict. */
export function resultLine(r: EpisodeResult) {
  const { episode } = r;
  return {
    episode_id: episode.id,
    shots: episode.shots,
    draw: episode.draw,
    policy: episode.policy,
    pair_id: episode.pairId,
    query_image_id: episode.query.imageId,
    query_class: episode.query.queryClass,
    label: episode.query.label,
    other: episode.query.other,
    demo_hash: episode.demoHash,
    answer: r.result.answer,
    reasoning: r.result.reasoning === true,
    error_class: r.result.errorClass ?? null,
    error: r.result.error ?? null,
    attempts: r.result.attempts,
    latency_ms: Math.round(r.result.latencyMs),
    // One field per registered scorer, named after it (official, strict, ...).
    ...Object.fromEntries(
      r.verdicts.map(({ scorer, correct, outcome, rule }) => [scorer, { correct, outcome, rule }]),
    ),
  };
}
