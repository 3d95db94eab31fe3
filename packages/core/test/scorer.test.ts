import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORER,
  getScorer,
  isScorerName,
  type Outcome,
  officialScorer,
  officialTarget,
  registerScorer,
  type Scorer,
  scoreAll,
  scorerNames,
  scorerVersions,
  strictScorer,
  verdictOf,
} from '../src';
import { LABEL_CACHE_SIZE } from '../src/scorer';

type Case = [
  why: string,
  answer: string | null,
  label: string,
  other: string,
  outcome: Outcome,
  rule: string,
];

describe('officialScorer (the paper’s rule, quirks kept)', () => {
  // biome-ignore format: a table reads best one case per line
  const cases: Case[] = [
    ['the lcl answer form', 'there is "cactihog" in the image.', 'cactihog', 'hedgehog', 'correct', 'substring-label'],
    ['capitalised answer fails: the raw answer is not lower-cased', 'Cactihog', 'cactihog', 'hedgehog', 'neither', 'substring-none'],
    ['a capitalised label is lower-cased before matching', 'a cactihog', 'Cactihog', 'Hedgehog', 'correct', 'substring-label'],
    ['a label inside another word counts (snow in snowman)', 'a snowman', 'snow', 'ice', 'correct', 'substring-label'],
    ['the prior override: the familiar name', 'it is a hedgehog', 'cactihog', 'hedgehog', 'other-label', 'substring-other'],
    ['both labels present', 'a cactihog, or maybe a hedgehog', 'cactihog', 'hedgehog', 'both', 'substring-both'],
    ['the other label inside the right one is removed with it', 'hedgehogcactus', 'hedgehogcactus', 'hedgehog', 'correct', 'substring-label'],
    ['empty answer', '', 'cactihog', 'hedgehog', 'empty', 'empty-answer'],
    ['whitespace-only answer', '  \n', 'cactihog', 'hedgehog', 'empty', 'empty-answer'],
    ['no answer at all (transport error)', null, 'cactihog', 'hedgehog', 'error', 'no-answer'],
    ['trailing punctuation is fine for a substring', 'cactihog!!!', 'cactihog', 'hedgehog', 'correct', 'substring-label'],
    ['a multi-word label needs its exact spacing', 'ice  cream', 'ice cream', 'icemic', 'neither', 'substring-none'],
    ['a multi-word label, exact', 'some ice cream', 'ice cream', 'icemic', 'correct', 'substring-label'],
    ['a quoted label is just a substring here', 'not "hedgehog" but cactihog', 'cactihog', 'hedgehog', 'both', 'substring-both'],
    // The target is cleaned up as the official metric does (full stops, quotes, apostrophes go);
    // the answer is not.
    ['a full stop in the label is dropped from the target', 'there is "st bernard" in the image.', 'St. Bernard', 'Saluki', 'correct', 'substring-label'],
    ['…but not from the answer, which keeps its capitals and full stop', 'there is "St. Bernard" in the image.', 'St. Bernard', 'Saluki', 'neither', 'substring-none'],
    ['the lower-cased label with its full stop is not the target either', 'there is "st. bernard" in the image.', 'St. Bernard', 'Saluki', 'neither', 'substring-none'],
    ['an apostrophe in the label is dropped from the target', 'there is "jack-o-lantern" in the image.', "jack-o'-lantern", 'pumpkin', 'correct', 'substring-label'],
    ['…so the label as written does not match', `there is "jack-o'-lantern" in the image.`, "jack-o'-lantern", 'pumpkin', 'neither', 'substring-none'],
    ['a double quote in the label is dropped from the target', 'a 12 inch record', '12" inch record', 'cassette', 'correct', 'substring-label'],
    ['"there is" and "in the image" in the label are removed, then the ends trimmed', 'a cat', 'there is cat in the image', 'dog', 'correct', 'substring-label'],
    ['the other label is only lower-cased, its full stop kept', 'there is "saluki" or "st. bernard"', 'Saluki', 'St. Bernard', 'both', 'substring-both'],
    ['…so the other label without its full stop does not count against', 'there is "saluki", not "st bernard"', 'Saluki', 'St. Bernard', 'correct', 'substring-label'],
  ];
  it.each(cases)('%s', (_why, answer, label, other, outcome, rule) => {
    expect(officialScorer.score(answer, label, other)).toEqual({
      correct: outcome === 'correct',
      outcome,
      rule,
    });
  });
});

describe('officialTarget (the official metric’s target clean-up)', () => {
  it.each([
    ['cactihog', 'cactihog'],
    ['St. Bernard', 'st bernard'],
    ["jack-o'-lantern", 'jack-o-lantern'],
    ['  English setter ', 'english setter'],
    ['The answer is kit fox', 'kit fox'],
    // Removals are case-sensitive and run before lower-casing, as in the official code.
    ['There is a fox', 'there is a fox'],
    // Everything after the last "ASSISTANT:" and before the first "</s>" of the expected answer.
    ['a</s>b', 'a'],
    ['ASSISTANT: kit fox', 'kit fox'],
  ])('%j → %j', (label, target) => {
    expect(officialTarget(label)).toBe(target);
  });
});

describe('strictScorer (quirks fixed)', () => {
  // biome-ignore format: a table reads best one case per line
  const cases: Case[] = [
    ['case differences are ignored', 'Cactihog', 'cactihog', 'hedgehog', 'correct', 'word-label'],
    ['a label inside another word does not count', 'a snowman', 'snow', 'ice', 'neither', 'word-none'],
    ['whole word with trailing punctuation', 'It is a cactihog.', 'cactihog', 'hedgehog', 'correct', 'word-label'],
    ['whitespace differences are ignored in a multi-word label', 'some ICE\n  cream', 'ice cream', 'icemic', 'correct', 'word-label'],
    ['a hyphenated spelling of a multi-word label', 'an ice-cream cone', 'ice cream', 'icemic', 'correct', 'word-label'],
    ['the prior override', 'A hedgehog.', 'cactihog', 'hedgehog', 'other-label', 'word-other'],
    ['both labels unquoted', 'cactihog or hedgehog', 'cactihog', 'hedgehog', 'both', 'word-both'],
    ['naming both is wrong, even with one quoted (a hedge)', 'Unlike a hedgehog, there is "cactihog" in the image.', 'cactihog', 'hedgehog', 'both', 'word-both'],
    ['naming both is wrong, whichever is quoted', 'not a cactihog: there is "hedgehog"', 'cactihog', 'hedgehog', 'both', 'word-both'],
    ['a quoted label alone is a whole word', 'I see “Cactihog”', 'cactihog', 'hedgehog', 'correct', 'word-label'],
    ['merged labels name neither', 'wickapoteapot', 'wickapot', 'teapot', 'neither', 'word-none'],
    ['both quoted: the quotes cannot decide, so the whole answer does', '"cactihog" or "hedgehog"', 'cactihog', 'hedgehog', 'both', 'word-both'],
    ['an apostrophe is not a quote', "it's a cactihog, isn't it", 'cactihog', 'hedgehog', 'correct', 'word-label'],
    ['the longer label is matched first (hedgehog inside cactus hedgehog)', 'a cactus hedgehog', 'cactus hedgehog', 'hedgehog', 'correct', 'word-label'],
    ['the shorter label alone still counts', 'a hedgehog', 'cactus hedgehog', 'hedgehog', 'other-label', 'word-other'],
    ['regex characters in a label are literal', 'c++ (lang)', 'c++', 'java', 'correct', 'word-label'],
    ['empty answer', ' ', 'cactihog', 'hedgehog', 'empty', 'empty-answer'],
    ['no answer at all', null, 'cactihog', 'hedgehog', 'error', 'no-answer'],
  ];
  it.each(cases)('%s', (_why, answer, label, other, outcome, rule) => {
    expect(strictScorer.score(answer, label, other)).toEqual({
      correct: outcome === 'correct',
      outcome,
      rule,
    });
  });
});

/**
 * The scorers as first written, working everything out afresh for every answer: what the scorers,
 * which keep each label's part between calls, must agree with.
 */
const fresh = {
  verdict(hasLabel: boolean, hasOther: boolean, prefix: string) {
    if (hasLabel && !hasOther)
      return { correct: true, outcome: 'correct', rule: `${prefix}-label` };
    if (hasLabel) return { correct: false, outcome: 'both', rule: `${prefix}-both` };
    if (hasOther) return { correct: false, outcome: 'other-label', rule: `${prefix}-other` };
    return { correct: false, outcome: 'neither', rule: `${prefix}-none` };
  },
  official(answer: string | null, label: string, other: string) {
    if (answer === null) return { correct: false, outcome: 'error', rule: 'no-answer' };
    if (answer.trim() === '') return { correct: false, outcome: 'empty', rule: 'empty-answer' };
    const target = officialTarget(label);
    const hasLabel = answer.includes(target);
    const rest = hasLabel ? answer.split(target).join('') : answer;
    return fresh.verdict(hasLabel, rest.includes(other.toLowerCase()), 'substring');
  },
  strict(answer: string | null, label: string, other: string) {
    if (answer === null) return { correct: false, outcome: 'error', rule: 'no-answer' };
    if (answer.trim() === '') return { correct: false, outcome: 'empty', rule: 'empty-answer' };
    const normalize = (text: string) =>
      text
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[\s_-]+/g, ' ')
        .trim();
    const words = (text: string) =>
      new RegExp(
        `(?<![\\p{L}\\p{N}])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
        'gu',
      );
    const text = normalize(answer);
    const [l, o] = [normalize(label), normalize(other)];
    const longerFirst = l.length >= o.length;
    const [first, second] = longerFirst ? [l, o] : [o, l];
    const hasFirst = words(first).test(text);
    const rest = hasFirst ? text.replace(words(first), ' ') : text;
    const hasSecond = words(second).test(rest);
    const [hasLabel, hasOther] = longerFirst ? [hasFirst, hasSecond] : [hasSecond, hasFirst];
    return fresh.verdict(hasLabel, hasOther, 'word');
  },
};

describe('the scorers keep each label’s part between answers, and score as afresh', () => {
  // Labels inside one another, differing in case, spacing, hyphens or only by a homoglyph
  // (Cyrillic а), by compatibility forms (ﬁ, the Ångström sign) or combining marks; empty and
  // blank ones; ones the official clean-up changes; regex characters; other scripts.
  // biome-ignore format: a list of short strings reads best filled in
  const labels = [
    'snow', 'snowman', 'man', 'Snow', 'SNOW', 'snow man', 'snow-man', 'snow_man', '', ' ',
    'cactihog', 'hedgehog', 'hedgehogcactus', 'cactus hedgehog', 'St. Bernard', 'st bernard',
    "jack-o'-lantern", '12" record', 'there is cat in the image', 'ASSISTANT: fox', 'a</s>b',
    'c++', '(x)', 'a.b', '\\d', 'cat', 'c\u0430t', 'fish', '\uFB01sh', '\u212B', '\u00C5',
    'e\u0301te', '\u00E9t\u00E9', '\u0130stanbul', 'stra\u00DFe', 'STRASSE', '東京', '🐈', '\u01C5',
  ];
  const label = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...labels) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  );
  const piece = fc.oneof(
    fc.constantFrom(...labels),
    fc.constantFrom(
      ' ',
      ', ',
      ' or ',
      '"',
      '“',
      'there is ',
      ' in the image.',
      'not a ',
      '-',
      '\n',
    ),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
  );
  const answer = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(null, '', '  \n') },
    { weight: 6, arbitrary: fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  );

  it('gives the same verdicts, answer after answer, for either scorer', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(answer, label, label), { maxLength: 20 }), (cases) => {
        for (const [a, l, o] of cases) {
          expect(officialScorer.score(a, l, o)).toEqual(fresh.official(a, l, o));
          expect(strictScorer.score(a, l, o)).toEqual(fresh.strict(a, l, o));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('stays right past its cap, which empties it', () => {
    const many = Array.from({ length: 2 * LABEL_CACHE_SIZE + 10 }, (_, i) => `label ${i}`);
    const check = (l: string, i: number) => {
      const a = i % 2 ? `a ${l}` : `a ${many[i + 1]} or snow`;
      expect(officialScorer.score(a, l, 'snow')).toEqual(fresh.official(a, l, 'snow'));
      expect(strictScorer.score(a, l, 'snow')).toEqual(fresh.strict(a, l, 'snow'));
    };
    many.forEach(check);
    many.slice(0, 20).forEach(check);
  });
});

describe('the scorer registry', () => {
  const lenient: Scorer = {
    name: 'lenient',
    version: 3,
    description: 'the label anywhere, in any case',
    score: (answer, label) =>
      answer?.toLowerCase().includes(label.toLowerCase())
        ? { correct: true, outcome: 'correct', rule: 'anywhere' }
        : { correct: false, outcome: 'neither', rule: 'nowhere' },
  };

  it('scores an answer by every registered scorer, each verdict with its scorer and version', () => {
    expect(scoreAll('Cactihog', 'cactihog', 'hedgehog').map((v) => [v.scorer, v.outcome])).toEqual([
      ['official', 'neither'],
      ['strict', 'correct'],
    ]);
    const unregister = registerScorer(lenient);
    try {
      const verdicts = scoreAll('Cactihog', 'cactihog', 'hedgehog');
      expect(verdictOf(verdicts, 'lenient')).toMatchObject({ version: 3, outcome: 'correct' });
      expect(scorerVersions()).toEqual({ official: 2, strict: 2, lenient: 3 });
      expect(isScorerName('lenient')).toBe(true);
    } finally {
      unregister();
    }
    expect(scorerNames()).toEqual(['official', 'strict']);
    expect(isScorerName('lenient')).toBe(false);
  });

  it('refuses a taken name, a name that cannot go in a URL, and a version below 1', () => {
    expect(() => registerScorer({ ...officialScorer })).toThrow(/"official" is registered/);
    expect(() => registerScorer({ ...lenient, name: 'Lenient Scorer' })).toThrow(
      /lower-case letters/,
    );
    expect(() => registerScorer({ ...lenient, version: 0 })).toThrow(/version/);
    expect(scorerNames()).toEqual(['official', 'strict']);
  });

  it('names the known scorers when asked for an unknown one', () => {
    expect(() => getScorer('fuzzy')).toThrow('unknown scorer "fuzzy"; choose official, strict');
    expect(getScorer(DEFAULT_SCORER)).toBe(strictScorer);
  });
});
