import type { QueryClass } from '../episode';
import type { PolicyName } from '../policy';
import { OUTCOMES, type Outcome } from '../scorer';
import { wilsonInterval } from './intervals';
import { accuracyOf, type Counts, LINK_GAIN_POLICIES, linkGainOf } from './leaderboard';

/** One scored answer: what the metrics need of an episode and its verdict. */
export interface ScoredAnswer {
  episodeId: string;
  shots: number;
  policy: PolicyName;
  pairId: string;
  /** The query's concept. */
  conceptId: string;
  queryClass: QueryClass;
  outcome: Outcome;
  correct: boolean;
}

export type OutcomeCounts = Record<Outcome, number>;

export interface AccuracySummary {
  n: number;
  correct: number;
  /** Null when n = 0: no answers is no evidence, not 0%. */
  accuracy: number | null;
  low: number | null;
  high: number | null;
  outcomes: OutcomeCounts;
}

export function emptyOutcomeCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}

export function summarize(
  answers: Iterable<Pick<ScoredAnswer, 'correct' | 'outcome'>>,
): AccuracySummary {
  let n = 0;
  let correct = 0;
  const outcomes = emptyOutcomeCounts();
  for (const answer of answers) {
    n++;
    if (answer.correct) correct++;
    outcomes[answer.outcome]++;
  }
  const interval = wilsonInterval(correct, n);
  return {
    n,
    correct,
    accuracy: n > 0 ? correct / n : null,
    low: interval?.low ?? null,
    high: interval?.high ?? null,
    outcomes,
  };
}

export type GroupKey = 'shots' | 'policy' | 'conceptId' | 'pairId' | 'queryClass';

export interface GroupSummary<K> extends AccuracySummary {
  key: K;
}

/**
 * Accuracy per value of one or more keys (e.g. per shot × policy). Groups come out sorted by key,
 * numbers numerically, so tables are stable.
 */
export function accuracyBy<const K extends readonly GroupKey[]>(
  answers: readonly ScoredAnswer[],
  keys: K,
): GroupSummary<{ [I in keyof K]: ScoredAnswer[K[I] & GroupKey] }>[] {
  const groups = new Map<string, { key: unknown[]; items: ScoredAnswer[] }>();
  for (const answer of answers) {
    const key = keys.map((k) => answer[k]);
    const id = JSON.stringify(key);
    let group = groups.get(id);
    if (!group) {
      group = { key, items: [] };
      groups.set(id, group);
    }
    group.items.push(answer);
  }
  return [...groups.values()]
    .sort((a, b) => compareKeys(a.key, b.key))
    .map(({ key, items }) => ({
      key: key as unknown as { [I in keyof K]: ScoredAnswer[K[I] & GroupKey] },
      ...summarize(items),
    }));
}

function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * The share of answers that named neither label or nothing at all: the model answered, but not
 * in a form the scorer could read. Transport errors are counted apart. Null when n = 0.
 */
export function parseFailureRate(answers: readonly Pick<ScoredAnswer, 'outcome'>[]): number | null {
  if (answers.length === 0) return null;
  let failed = 0;
  for (const a of answers) if (a.outcome === 'neither' || a.outcome === 'empty') failed++;
  return failed / answers.length;
}

export interface LinkGainRow {
  shots: number;
  lcl: number | null;
  icl: number | null;
  /** lcl − icl; null unless both policies ran at this shot count. */
  gain: number | null;
}

/** The link gain per shot count: what the causal links add over plain in-context learning. */
export function linkGain(answers: readonly ScoredAnswer[]): LinkGainRow[] {
  const byShot = new Map<number, { lcl: Counts | null; icl: Counts | null }>();
  for (const row of accuracyBy(answers, ['shots', 'policy'] as const)) {
    const [shots, policy] = row.key;
    const entry = byShot.get(shots) ?? { lcl: null, icl: null };
    if (policy === LINK_GAIN_POLICIES.linked) entry.lcl = row;
    if (policy === LINK_GAIN_POLICIES.plain) entry.icl = row;
    byShot.set(shots, entry);
  }
  return [...byShot.entries()]
    .filter(([, { lcl, icl }]) => lcl !== null || icl !== null)
    .sort(([a], [b]) => a - b)
    .map(([shots, { lcl, icl }]) => ({
      shots,
      lcl: accuracyOf(lcl),
      icl: accuracyOf(icl),
      gain: linkGainOf(lcl, icl),
    }));
}
