import { describe, expect, it } from 'vitest';
import { pickBenchmark } from '../src/defaults';

/** What a site lists: two public versions of one benchmark, its hidden split, and another. */
const onSite = [
  { name: 'isekai-synth', version: '2.1', split: 'public' },
  { name: 'isekai-synth', version: '3.1', split: 'public' },
  { name: 'isekai-synth', version: '3-test', split: 'hidden' },
  { name: 'ISEKAI-sample', version: '1', split: 'public' },
];
const pick = (spec: string, preferred?: (v: (typeof onSite)[number]) => boolean) =>
  pickBenchmark(spec, onSite, 'on the site', { preferred });

describe('pickBenchmark: one name for a benchmark version, name@version', () => {
  it.each([
    ['isekai-synth@2.1', '2.1', 'exactly'],
    ['isekai-synth@3', '3.1', 'by its leading part'],
    ['isekai-synth@3-test', '3-test', 'the hidden split by its own version'],
    ['ISEKAI-SAMPLE', '1', 'a name in any case, its only version'],
    ['isekai-sample@1', '1', 'with its version'],
  ])('%s is %s (%s)', (spec, version) => {
    expect(pick(spec).version).toBe(version);
  });

  it('takes the preferred version when none is named, and asks where it cannot choose', () => {
    expect(pick('isekai-synth', (v) => v.version === '2.1').version).toBe('2.1');
    expect(() => pick('isekai-synth')).toThrow(
      /"isekai-synth" names 3 benchmarks on the site: isekai-synth@2\.1; isekai-synth@3\.1; isekai-synth@3-test; say which with name@version/,
    );
  });

  it('names what there is when the name or version is unknown', () => {
    expect(() => pick('isekai-synth@3.12')).toThrow(
      /^benchmark isekai-synth has no version "3\.12" on the site; the benchmarks on the site are: isekai-synth@2\.1; .*ISEKAI-sample@1$/,
    );
    expect(() => pick('isekai@2')).toThrow(
      /^unknown benchmark "isekai"; the benchmarks on the site are:/,
    );
    expect(() => pickBenchmark('x', [], 'on the site')).toThrow(
      /the benchmarks on the site are: none/,
    );
  });
});
