/**
 * Scorers turn a raw answer into a verdict. Raw answers are always kept, so a submission can be
 * re-scored with another scorer without calling the model again.
 */

export const OUTCOMES = ['correct', 'other-label', 'both', 'neither', 'empty', 'error'] as const;
/**
 * - correct: named the query's concept, and only it;
 * - other-label: named the pair's other concept (for a novel query: the prior override);
 * - both: named both; neither: named none; empty: answered nothing;
 * - error: no answer at all (transport or model failure).
 */
export type Outcome = (typeof OUTCOMES)[number];

export interface Verdict {
  correct: boolean;
  outcome: Outcome;
  /** Which rule decided, so that a surprising verdict can be explained. */
  rule: string;
}

/**
 * A scorer's name: lower case, digits and hyphens, as stored with each verdict and typed in URLs and
 * on the command line. Names are whatever the registry holds (see `registerScorer`), so a new scorer
 * is a registry entry, with no schema or form change.
 */
export type ScorerName = string;

export interface Scorer {
  name: ScorerName;
  /** Bumped whenever a verdict could change; stored with every verdict. */
  version: number;
  /** One line for pickers and help texts. */
  description: string;
  /** `answer` is null when the model gave none (an error). */
  score(answer: string | null, label: string, other: string): Verdict;
}

/** A verdict with the scorer and version that gave it: what is stored per result and scorer. */
export interface ScorerVerdict extends Verdict {
  scorer: ScorerName;
  version: number;
}

function verdict(hasLabel: boolean, hasOther: boolean, prefix: string): Verdict {
  if (hasLabel && !hasOther) return { correct: true, outcome: 'correct', rule: `${prefix}-label` };
  if (hasLabel) return { correct: false, outcome: 'both', rule: `${prefix}-both` };
  if (hasOther) return { correct: false, outcome: 'other-label', rule: `${prefix}-other` };
  return { correct: false, outcome: 'neither', rule: `${prefix}-none` };
}

const NO_ANSWER: Verdict = { correct: false, outcome: 'error', rule: 'no-answer' };
const EMPTY_ANSWER: Verdict = { correct: false, outcome: 'empty', rule: 'empty-answer' };

/** The most labels a scorer keeps its per-label work for (see `perLabel`). */
export const LABEL_CACHE_SIZE = 4096;

/**
 * `compute` kept for each label it has seen. A scorer is called once per answer, with a label from
 * a benchmark's few dozen names, and redoing the label's part (its clean-up, its word pattern) was
 * most of the cost. The cap only bounds what a caller passing arbitrary labels could make it hold:
 * emptying it when full costs one recomputation per label, and no verdict depends on what is kept.
 */
function perLabel<V>(compute: (label: string) => V): (label: string) => V {
  const kept = new Map<string, V>();
  return (label) => {
    let value = kept.get(label);
    if (value === undefined) {
      value = compute(label);
      if (kept.size >= LABEL_CACHE_SIZE) kept.clear();
      kept.set(label, value);
    }
    return value;
  };
}

/**
 * The target the official metric matches: the expected answer `there is "label" in the image.`
 * put through its target clean-up, in its order: keep what follows the last `ASSISTANT:` and
 * precedes the first `</s>`; remove every "The answer is", "there is" and "in the image" (case
 * as written); remove every straight double quote, apostrophe and full stop; trim; lower-case.
 * So the label "St. Bernard" is looked for as "st bernard", and "jack-o'-lantern" as
 * "jack-o-lantern".
 */
export function officialTarget(label: string): string {
  const expected = `there is "${label}" in the image.`;
  const afterRole = expected.split('ASSISTANT:').at(-1) as string;
  return (afterRole.split('</s>')[0] as string)
    .replaceAll('The answer is', '')
    .replaceAll('there is', '')
    .replaceAll('in the image', '')
    .replaceAll('"', '')
    .replaceAll("'", '')
    .replaceAll('.', '')
    .trim()
    .toLowerCase();
}

const officialTargetOf = perLabel(officialTarget);
const lowerCaseOf = perLabel((label) => label.toLowerCase());

/**
 * The official ISEKAI / ImageNet-100 rule, quirks kept on purpose so that numbers compare with the
 * paper. The label is cleaned up as the official target is (`officialTarget`), but the answer is
 * not: the target must occur as a substring of the raw answer, so "Cactihog" fails (case), "snowman"
 * counts for "snow" (substring), and `there is "St. Bernard" in the image.` fails for the label
 * "St. Bernard" (its target is "st bernard").
 *
 * The other label: the official metric counts an answer correct only if, once every occurrence of
 * the target is removed, the pair's other class name, lower-cased and otherwise as written (its
 * quotes and full stops kept), does not occur in what remains. `correct` follows exactly that.
 * Two official corner cases are not copied: for ISEKAI, when the label's cleaned-up form differs
 * from its lower-cased form and the label is the pair's second name, the official code looks for
 * the label's own lower-cased name instead of the other one; for ImageNet-100 such a label stops
 * the official evaluation (its pair lookup fails). Here the other label is always the other one.
 * The outcome (other-label, both, neither) is linkboard's classification on the same two tests.
 */
export const officialScorer: Scorer = {
  name: 'official',
  version: 2,
  description:
    'the paper’s rule (for comparison with it): the cleaned-up label as a substring of the raw answer',
  score(answer, label, other) {
    if (answer === null) return { ...NO_ANSWER };
    if (answer.trim() === '') return { ...EMPTY_ANSWER };
    const target = officialTargetOf(label);
    const hasLabel = answer.includes(target);
    const rest = hasLabel ? answer.split(target).join('') : answer;
    return verdict(hasLabel, rest.includes(lowerCaseOf(other)), 'substring');
  },
};

/** Case-, whitespace- and hyphen-insensitive form used by the strict scorer. */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A label as the strict scorer looks for it: normalized, and as whole words. */
interface WordLabel {
  text: string;
  /** Global, so that a match is blanked out everywhere; `lastIndex` is reset before each use. */
  pattern: RegExp;
}

/** The label as whole words: not inside a longer word ("snow" ≠ "snowman"). */
const wordLabelOf = perLabel((label): WordLabel => {
  const text = normalize(label);
  return {
    text,
    pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(text)}(?![\\p{L}\\p{N}])`, 'gu'),
  };
});

/**
 * Finds which labels occur as whole words. The longer label is matched first and blanked out, so
 * that "cactus hedgehog" is not also read as "hedgehog".
 */
function findLabels(text: string, label: WordLabel, other: WordLabel): [boolean, boolean] {
  const longerFirst = label.text.length >= other.text.length;
  const [first, second] = longerFirst ? [label, other] : [other, label];
  first.pattern.lastIndex = 0;
  const hasFirst = first.pattern.test(text);
  const rest = hasFirst ? text.replace(first.pattern, ' ') : text;
  second.pattern.lastIndex = 0;
  const hasSecond = second.pattern.test(rest);
  return longerFirst ? [hasFirst, hasSecond] : [hasSecond, hasFirst];
}

/**
 * The ranked rule: case-, whitespace- and hyphen-insensitive, whole words only ("snow" is not in
 * "snowman", and "wickapoteapot" names neither "wickapot" nor "teapot"), and an answer that names
 * both labels anywhere is never correct, however it quotes or hedges ("\"cactihog\", or a
 * hedgehog"). Version 1 let a quoted label decide between two named ones; that rewarded hedging.
 */
export const strictScorer: Scorer = {
  name: 'strict',
  version: 2,
  description: 'the ranked rule: whole words, any case; naming both labels is wrong',
  score(answer, label, other) {
    if (answer === null) return { ...NO_ANSWER };
    if (answer.trim() === '') return { ...EMPTY_ANSWER };
    const [hasLabel, hasOther] = findLabels(
      normalize(answer),
      wordLabelOf(label),
      wordLabelOf(other),
    );
    return verdict(hasLabel, hasOther, 'word');
  },
};

/**
 * The scorer a submission is ranked by unless it says otherwise: strict, which merged or hedged
 * labels cannot satisfy. `official` is kept, and selectable, to compare with the paper.
 */
export const DEFAULT_SCORER: ScorerName = strictScorer.name;

const SCORER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The scorer registry: every scorer a result is scored by. A process-wide registry (as inspect_ai's
 * `@scorer` keeps one) because scoring happens wherever answers arrive (runner, CLI, re-scoring),
 * and each of those must score by the same set.
 */
const registry = new Map<ScorerName, Scorer>([
  [officialScorer.name, officialScorer],
  [strictScorer.name, strictScorer],
]);

/**
 * Adds a scorer to the registry; returns a function that removes it again. A name already taken
 * by another scorer is refused, so a verdict's name always means one rule.
 */
export function registerScorer(scorer: Scorer): () => void {
  if (!SCORER_NAME.test(scorer.name))
    throw new Error(
      `scorer name "${scorer.name}" must be lower-case letters, digits and hyphens (at most 32)`,
    );
  if (!Number.isInteger(scorer.version) || scorer.version < 1 || scorer.version > 32_767)
    throw new Error(`scorer "${scorer.name}": version must be a whole number from 1`);
  const known = registry.get(scorer.name);
  if (known && known !== scorer) throw new Error(`a scorer named "${scorer.name}" is registered`);
  registry.set(scorer.name, scorer);
  return () => {
    if (registry.get(scorer.name) === scorer) registry.delete(scorer.name);
  };
}

/** The registered scorers, in registration order (the default first). */
export function scorers(): readonly Scorer[] {
  return [...registry.values()];
}

export function scorerNames(): readonly ScorerName[] {
  return [...registry.keys()];
}

export function isScorerName(value: string): value is ScorerName {
  return registry.has(value);
}

/** The registered scorer of that name; an unknown name is an error that lists the known ones. */
export function getScorer(name: string): Scorer {
  const scorer = registry.get(name);
  if (!scorer) throw new Error(`unknown scorer "${name}"; choose ${scorerNames().join(', ')}`);
  return scorer;
}

/** Scores one answer by every registered scorer. */
export function scoreAll(answer: string | null, label: string, other: string): ScorerVerdict[] {
  return scorers().map((s) => ({
    ...s.score(answer, label, other),
    scorer: s.name,
    version: s.version,
  }));
}

/**
 * Every registered scorer's verdict of an episode's answer, against the label its query is asked
 * for: one definition for the runner, the site's runner API and re-runs.
 */
export function scoreEpisode(
  episode: { query: { label: string; other: string } },
  answer: string | null,
): ScorerVerdict[] {
  return scoreAll(answer, episode.query.label, episode.query.other);
}

/** One scorer's verdict among an answer's verdicts (the default scorer's unless named). */
export function verdictOf(
  verdicts: readonly ScorerVerdict[],
  scorer: ScorerName = DEFAULT_SCORER,
): ScorerVerdict {
  const found = verdicts.find((v) => v.scorer === scorer);
  if (!found) throw new Error(`no verdict of scorer "${scorer}"`);
  return found;
}

/** Which version of each registered scorer is in use: recorded with a submission's provenance. */
export function scorerVersions(): Record<ScorerName, number> {
  return Object.fromEntries(scorers().map((s) => [s.name, s.version]));
}
