import { describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env';

describe('loadEnv', () => {
  it.each([
    [{}, true, 'a personal install: the site on loopback, models on this machine'],
    [{ LINKBOARD_HOST: '0.0.0.0' }, false, 'the site reachable from other hosts'],
    [{ LINKBOARD_HOST: '::1' }, true, 'IPv6 loopback is loopback'],
    [
      { LINKBOARD_HOST: '0.0.0.0', LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' },
      true,
      'the operator said so',
    ],
    [{ LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0' }, false, 'the operator said so, on loopback too'],
    [
      { DATABASE_URL: 'postgres://u:p@db.example.com/lb' },
      false,
      'shared runners must not reach into the network',
    ],
    [
      { DATABASE_URL: 'postgres://u:p@db.example.com/lb', LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' },
      true,
      'the operator said so',
    ],
  ])('private endpoints with %o: %s (%s)', (source, expected, _why) => {
    expect(loadEnv(source).endpoints.allowPrivate).toBe(expected);
  });

  it('refuses the platform’s own ports and keeps the operator’s named exceptions', () => {
    const env = loadEnv({
      LINKBOARD_PORT: '3100',
      LINKBOARD_PG_PORT: '55000',
      LINKBOARD_ALLOWED_ENDPOINTS: '169.254.169.254,gpu-box:8000',
    });
    expect(env.endpoints.platformPorts).toEqual([3100, 55000]);
    expect(env.endpoints.allowed).toEqual(['169.254.169.254', 'gpu-box:8000']);
    expect(loadEnv({ DATABASE_URL: 'postgres://u:p@db:6543/x' }).endpoints.platformPorts).toEqual([
      3000, 6543,
    ]);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadEnv({ LINKBOARD_PG_PORT: 'abc' })).toThrow(/LINKBOARD_PG_PORT/);
  });
});
