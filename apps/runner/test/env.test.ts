import { describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env';

describe('loadEnv', () => {
  it.each([
    [{}, '1', 'embedded: models live on this machine'],
    [
      { DATABASE_URL: 'postgres://u:p@db.example.com/lb' },
      '0',
      'shared runners must not reach into the network',
    ],
    [
      { DATABASE_URL: 'postgres://u:p@db.example.com/lb', LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' },
      '1',
      'the operator said so',
    ],
  ])('private endpoints with %o: %s (%s)', (source, expected, _why) => {
    expect(loadEnv(source).LINKBOARD_ALLOW_PRIVATE_ENDPOINTS).toBe(expected);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadEnv({ LINKBOARD_PG_PORT: 'abc' })).toThrow(/LINKBOARD_PG_PORT/);
  });
});
