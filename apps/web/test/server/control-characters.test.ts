import { ApiErrorSchema, RUNNER_API, SITE_API } from '@linkboard/core';
import { createRunnerToken } from '@linkboard/db';
import { runnerApi } from '@linkboard/platform/runner-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, openTestSite } from '../site';

/**
 * Core's one primitive for strings from outside (`oneLine`, `freeText`,
 * `controlCharacterInJson`) at each door: tRPC, the public API, the runner API and the auth
 * routes. A NUL used to reach PostgreSQL and come back as a 500 (or a 422 from better-auth).
 */

const SITE = 'http://127.0.0.1:3000';
const NUL = '\u0000';
let site: Awaited<ReturnType<typeof openTestSite>>;

beforeAll(async () => {
  site = await openTestSite('control-characters', { BETTER_AUTH_URL: SITE });
});
afterAll(() => site.database.drop());

const errorOf = async (response: Response) =>
  ApiErrorSchema.parse(await response.json()).error.message;

describe('a control character from outside', () => {
  it('is a 400 naming the field through tRPC, not a failed query', async () => {
    await expect(site.caller(alice).episodes.byId({ id: `abc${NUL}` })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/control character \(U\+0000\)/),
    });
  });

  it('is a 400 through the public API', async () => {
    const { GET } = await import('../../src/app/api/v1/leaderboard/route');
    const response = await GET(
      new Request(`${SITE}${SITE_API.leaderboard}?benchmark=${encodeURIComponent(`x${NUL}`)}`),
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/benchmark.*control character \(U\+0000\)/);
  });

  it('is a 400 at sign-up, before better-auth stores the name', async () => {
    const { POST } = await import('../../src/app/api/auth/[...all]/route');
    const response = await POST(
      new Request(`${SITE}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SITE },
        body: JSON.stringify({
          name: `Mallory${NUL}`,
          email: 'mallory@example.com',
          password: 'a-good-password',
        }),
      }),
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe('field name: holds a control character (U+0000)');
    const { rows } = await site.database.pool.query(
      "SELECT count(*)::int AS n FROM users WHERE email = 'mallory@example.com'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('is a 400 naming the field in the runner API', async () => {
    const api = runnerApi(site.database, { imagesDir: '/nonexistent', renderImage: null });
    try {
      const { token } = await createRunnerToken(site.database.db, 'lab-nul');
      const call = (route: string, body: unknown) =>
        api.handle(
          new Request(`${SITE}${route}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        );
      const claimed = await call(RUNNER_API.claim, { worker: `host${NUL}`, leaseMs: 60_000 });
      expect(claimed.status).toBe(400);
      expect(await errorOf(claimed)).toMatch(/worker.*control character \(U\+0000\)/);
    } finally {
      await api.close();
    }
  });
});
