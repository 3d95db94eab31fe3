import { MAX_COMPARED } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { MAX_COMPARE_IDS, MAX_OVERLAYS, pageParamProblem } from '../../src/lib/page-params';

const problem = (url: string) => {
  const { pathname, searchParams } = new URL(url, 'http://site');
  return pageParamProblem(pathname, searchParams);
};

describe('pageParamProblem', () => {
  it('allows in a URL as many models as the compare router takes', () => {
    expect(MAX_COMPARE_IDS).toBe(MAX_COMPARED);
  });

  it.each([
    ['/?version=99999999999999999999', /^version must be an id/],
    ['/?version=1e30', /^version must be an id/],
    [
      '/concepts?version=-1',
      /^version must be an id .*name a benchmark version with benchmark=name@version/,
    ],
    ['/?version=2.1', /^version must be an id .*benchmark=isekai-synth@3\.1/],
    ['/?benchmark=isekai-synth@', /^benchmark: "isekai-synth@" names no version after the @/],
    ['/concepts?benchmark=%403.1', /^benchmark: "@3\.1" names no benchmark before the @/],
    [
      '/?benchmark=2',
      /^benchmark: "2" is a number: a benchmark version is named, never by its database id/,
    ],
    ['/?benchmark=a%00b@1', /^benchmark: .*control character/],
    [`/?benchmark=${'x'.repeat(201)}@1`, /^benchmark: /],
    ['/compare?a=1&b=2147483648', /^b must be an id, a whole number from 1 to 2147483647/],
    ['/episodes/e1?submission=abc', /^submission must be an id/],
    [
      `/submissions/1?overlay=${Array.from({ length: MAX_OVERLAYS + 1 }, (_, i) => i + 2).join(',')}`,
      /^overlay takes at most 19 submission ids; it has 20/,
    ],
    ['/submissions/1?overlay=2,99999999999', /^overlay must be submission ids/],
    ['/submissions/1?overlay=2&overlay=x', /^overlay must be submission ids/],
    ['/compare?ids=1,2,x', /^ids must be submission ids/],
    ['/compare?ids=1&ids=2&ids=-3', /^ids must be submission ids/],
    ['/compare?ids=1,2,3,4,5,6,7', /^ids takes at most 6 submissions to compare; it has 7/],
    ['/compare?ids=1,2,3,4,5,6&a=7', /^ids takes at most 6 submissions to compare; it has 7/],
  ])('refuses %s, naming the parameter', (url, why) => {
    expect(problem(url)).toMatch(why);
  });

  it.each([
    '/',
    '/?version=3&policy=icl',
    '/?benchmark=isekai-synth@3.1&policy=icl',
    '/?benchmark=isekai-synth',
    '/?benchmark=isekai-synth-ranked@1',
    '/?benchmark=',
    '/concepts?benchmark=isekai-synth@3.1&order=pair',
    '/compare?a=&b=',
    '/compare?a=1&b=2',
    '/compare?ids=1,2,3',
    '/compare?ids=1&ids=2&ids=&ids=3',
    '/compare?ids=1,2,3,4,5,6&a=1',
    '/episodes/e1?submission=7',
    `/submissions/1?overlay=${Array.from({ length: MAX_OVERLAYS }, (_, i) => i + 2).join(',')}`,
    '/submissions/1?overlay=',
    '/queue?version=nonsense',
  ])('lets %s through', (url) => {
    expect(problem(url)).toBeNull();
  });
});
