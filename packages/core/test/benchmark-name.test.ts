import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BenchmarkNameError,
  BenchmarkNameSchema,
  benchmarkName,
  CreateSubmissionBodySchema,
  issueList,
  LeaderboardQuerySchema,
  parseBenchmarkName,
  pickBenchmark,
  RANKED_BOARD,
  rankedDrawVersion,
  resolveBenchmarkVersion,
} from '../src';

describe('parseBenchmarkName and benchmarkName: name@version, both ways', () => {
  it.each([
    ['isekai-synth@3.1', 'isekai-synth', '3.1'],
    ['isekai-synth', 'isekai-synth', null],
    [RANKED_BOARD, 'isekai-synth-ranked', '1'],
    [
      `isekai-synth-ranked@${rankedDrawVersion('3f2a'.repeat(16))}`,
      'isekai-synth-ranked',
      '1+3f2a3f2a3f2a3f2a',
    ],
    ['team@lab@2', 'team@lab', '2'],
    [' isekai-synth @ 3.1 ', 'isekai-synth', '3.1'],
  ])('%s', (spec, name, version) => {
    expect(parseBenchmarkName(spec)).toEqual({ name, version });
    if (version !== null && !spec.includes(' '))
      expect(benchmarkName({ name, version })).toBe(spec);
  });
});

describe('BenchmarkNameSchema: a malformed name is refused, naming the field and what to write', () => {
  const Body = z.object({ benchmark: BenchmarkNameSchema });
  it.each([
    ['', /field benchmark: names no benchmark; write name@version, e\.g\. isekai-synth@3\.1/],
    ['@3.1', /field benchmark: "@3\.1" names no benchmark before the @/],
    ['isekai-synth@', /field benchmark: "isekai-synth@" names no version after the @/],
    [
      '2',
      /field benchmark: "2" is a number: a benchmark version is named, never by its database id/,
    ],
    ['isekai\u0000synth@3', /field benchmark: .*control character/],
  ])('%j', (value, message) => {
    const parsed = Body.safeParse({ benchmark: value });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(issueList(parsed.error)).toMatch(message);
  });

  it.each([
    'isekai-synth@3.1',
    'isekai-synth',
    RANKED_BOARD,
    'isekai-synth-ranked@1+0123456789abcdef',
  ])('%s parses', (value) => {
    expect(Body.parse({ benchmark: value }).benchmark).toBe(value);
  });

  it('is what the board query and the submission body take', () => {
    expect(LeaderboardQuerySchema.safeParse({ benchmark: '@1' }).success).toBe(false);
    const body = {
      name: 'm',
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
      shots: [2],
      policies: ['lcl'],
    };
    expect(
      CreateSubmissionBodySchema.parse({ ...body, benchmark: 'isekai-synth@3.1' }),
    ).toMatchObject({
      benchmark: 'isekai-synth@3.1',
    });
    const missing = CreateSubmissionBodySchema.safeParse(body);
    expect(missing.success || issueList(missing.error)).toMatch(
      /field benchmark: required: the benchmark version to run, name@version/,
    );
    const both = CreateSubmissionBodySchema.safeParse({ ...body, ranked: true, benchmark: 'x@1' });
    expect(both.success || issueList(both.error)).toMatch(
      /field benchmark: a ranked run draws its own episodes: give no benchmark/,
    );
    // The database id of before is no field of the body: it is not read.
    expect(
      CreateSubmissionBodySchema.parse({ ...body, benchmark: 'x@1', benchmarkVersionId: 3 }),
    ).not.toHaveProperty('benchmarkVersionId');
  });
});

describe('pickBenchmark: one name for a benchmark version, name@version', () => {
  /** What a site lists: two public versions of one benchmark, its hidden split, and another. */
  const onSite = [
    { name: 'isekai-synth', version: '2.1', split: 'public' },
    { name: 'isekai-synth', version: '3.1', split: 'public' },
    { name: 'isekai-synth', version: '3-test', split: 'hidden' },
    { name: 'ISEKAI-sample', version: '1', split: 'public' },
  ];
  it('refuses with the reason a door answers by', () => {
    expect(() => pickBenchmark('isekai@2', onSite, 'here')).toThrow(BenchmarkNameError);
    const reasons = ['isekai@2', 'isekai-synth@9', 'isekai-synth'].map((spec) => {
      try {
        pickBenchmark(spec, onSite, 'here');
        return null;
      } catch (error) {
        return (error as BenchmarkNameError).reason;
      }
    });
    expect(reasons).toEqual(['unknown', 'unknown', 'ambiguous']);
  });

  it('takes the first preferred one, in the order given, where several are named', () => {
    expect(
      pickBenchmark('isekai-synth', onSite, 'here', { preferred: (v) => v.split === 'public' })
        .version,
    ).toBe('2.1');
  });
});

describe('resolveBenchmarkVersion: the versions a site holds', () => {
  const versions = [
    { id: 1, name: 'isekai-synth', version: '2.1', split: 'public', retired: false },
    { id: 2, name: 'isekai-synth', version: '3-test', split: 'hidden', retired: true },
    { id: 3, name: 'isekai-synth', version: '3.1', split: 'public', retired: false },
    { id: 4, name: 'isekai-synth', version: '3.2', split: 'public', retired: false },
    { id: 5, name: 'ISEKAI-sample', version: '1', split: 'public', retired: false },
  ];
  const resolve = (spec: string) => resolveBenchmarkVersion(spec, versions).id;

  it('by name@version, by leading parts, and by name alone (the newest public one)', () => {
    expect(resolve('isekai-synth@2.1')).toBe(1);
    expect(resolve('isekai-synth@3.1')).toBe(3);
    expect(resolve('isekai-synth@3-test')).toBe(2);
    expect(resolve('isekai-synth@3')).toBe(4);
    expect(resolve('isekai-synth')).toBe(4);
    expect(resolve('isekai-sample')).toBe(5);
  });

  it('an unknown one names what the site holds (a 404 on the site)', () => {
    expect(() => resolve('isekai-synth@9')).toThrow(
      /^benchmark isekai-synth has no version "9" on this site; the benchmarks on this site are: ISEKAI-sample@1; isekai-synth@3\.2; isekai-synth@3\.1; isekai-synth@3-test \(retired\); isekai-synth@2\.1$/,
    );
    expect(() => resolve('nope')).toThrow(
      /^unknown benchmark "nope"; the benchmarks on this site are:/,
    );
  });

  it('the ranked board and its draws are not versions to ask for by name', () => {
    expect(() => resolve(RANKED_BOARD)).toThrow(
      /^isekai-synth-ranked@1 is the ranked board \(isekai-synth-ranked@1\), not a version to run or show by name: it is \/ranked \(GET \/api\/v1\/ranked\)/,
    );
    expect(() => resolve('isekai-synth-ranked@1+0123456789abcdef')).toThrow(
      /^isekai-synth-ranked@1\+0123456789abcdef is one ranked run's own draw, asked once; a ranked run gets a fresh draw of its own/,
    );
    for (const spec of [RANKED_BOARD, 'isekai-synth-ranked@1+0123456789abcdef']) {
      try {
        resolve(spec);
      } catch (error) {
        expect((error as BenchmarkNameError).reason).toBe('ranked');
      }
    }
  });
});
