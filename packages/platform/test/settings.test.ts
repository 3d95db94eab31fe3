import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLATFORM_ENV, platformSettings } from '../src/settings';

const parse = (env: Record<string, string>) => z.object(PLATFORM_ENV).parse(env);

describe('the platform settings', () => {
  it('decides the private-endpoint default once: a personal install allows them, a shared one refuses', () => {
    const cases: [Record<string, string>, boolean, string][] = [
      [{}, true, 'the embedded database, the site on loopback: a personal install'],
      [{ LINKBOARD_HOST: '0.0.0.0' }, false, 'a site other hosts reach'],
      [
        { DATABASE_URL: 'postgres://db.internal:5432/lb' },
        false,
        'a shared database: runners elsewhere must not reach into this network',
      ],
      [
        { DATABASE_URL: 'postgres://db.internal:5432/lb', LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' },
        true,
        'the operator says so',
      ],
      [{ LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0' }, false, 'the operator says no'],
    ];
    for (const [env, allowPrivate, why] of cases)
      expect(platformSettings(parse(env)).endpoints.allowPrivate, why).toBe(allowPrivate);
  });

  it("counts the site's and the database's ports as the platform's own", () => {
    const shared = platformSettings(
      parse({ DATABASE_URL: 'postgres://h:6543/lb', LINKBOARD_PORT: '3100' }),
    );
    expect(shared.endpoints.platformPorts).toEqual([3100, 6543]);
    const embedded = platformSettings(parse({ LINKBOARD_PG_PORT: '5999' }));
    expect(embedded.endpoints.platformPorts).toEqual([3000, 5999]);
  });

  it('reads the limits, with the defaults the README states', () => {
    const defaults = platformSettings(parse({}));
    expect(defaults).toMatchObject({
      dailyQuota: 20,
      dailyConnectionTests: 50,
      maxEpisodes: 250_000,
      rankedOpen: false,
      rankedPerPolicy: undefined,
    });
    const set = platformSettings(
      parse({
        LINKBOARD_DAILY_QUOTA: '3',
        LINKBOARD_MAX_EPISODES: '1000',
        LINKBOARD_RANKED_OPEN: '1',
        LINKBOARD_RANKED_PER_POLICY: '40',
      }),
    );
    expect(set).toMatchObject({
      dailyQuota: 3,
      maxEpisodes: 1000,
      rankedOpen: true,
      rankedPerPolicy: 40,
    });
    expect(() => parse({ LINKBOARD_MAX_EPISODES: '0' })).toThrow(/LINKBOARD_MAX_EPISODES/);
  });
});
