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
    ['/concepts?version=-1', /^version must be an id/],
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
