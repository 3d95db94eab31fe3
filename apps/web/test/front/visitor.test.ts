import { describe, expect, it } from 'vitest';
import { anonymousVisitor } from '~/front/visitor';

describe('anonymousVisitor', () => {
  it.each([
    ['no headers at all', {}, true],
    ['null headers (as Headers.get answers)', { cookie: null, authorization: null }, true],
    ['an unrelated cookie', { cookie: 'theme=dark' }, true],
    ['a cookie merely named like a session', { cookie: 'session_token=x' }, true],
    ['an empty authorization header', { authorization: '' }, true],
    ['a better-auth session cookie', { cookie: 'better-auth.session_token=x' }, false],
    [
      'the secure-prefixed one among others',
      { cookie: 'a=1; __Secure-better-auth.session_token=x' },
      false,
    ],
    ['any other better-auth cookie', { cookie: 'better-auth.session_data=x' }, false],
    ['cookie headers as an array', { cookie: ['a=1', 'better-auth.session_token=x'] }, false],
    ['an API token', { authorization: 'Bearer lb_x' }, false],
    ['any other authorization', { authorization: 'Basic eDp5' }, false],
  ] as const)('%s: %s', (_, headers, anonymous) => {
    expect(anonymousVisitor(headers)).toBe(anonymous);
  });
});
