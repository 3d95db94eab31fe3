import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

process.env.LINKBOARD_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'linkboard-web-trpc-'));
let routers: typeof import('../../src/server/routers');
let trpc: typeof import('../../src/server/trpc');
beforeAll(async () => {
  routers = await import('../../src/server/routers');
  trpc = await import('../../src/server/trpc');
});
afterEach(() => vi.restoreAllMocks());

const SQL = 'insert into "submissions" ("secret") values ($1)';
const SECRET = 'v1.c2VjcmV0LWJsb2I';
/** A database whose every query fails the way Drizzle reports it: SQL and parameters in the message. */
const failingDb = new Proxy(
  {},
  {
    get: () => () => {
      throw new DrizzleQueryError(SQL, [SECRET], new Error('invalid byte sequence for encoding'));
    },
  },
) as never;

const viewer = { id: 'user-alice', role: 'submitter' as const, via: 'session' as const };

async function overHttp(procedure: string) {
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`http://site/api/trpc/${procedure}`),
    router: routers.appRouter,
    createContext: () => ({ db: failingDb, viewer, fill: false }),
  });
  return { status: response.status, body: await response.text() };
}

describe('unexpected errors', () => {
  it('reach a client as an error id only, over HTTP', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { status, body } = await overHttp('leaderboard.versions');
    expect(status).toBe(500);
    const id = /error ([0-9a-f]{12})/.exec(body)?.[1];
    expect(id).toBeDefined();
    for (const leak of ['insert into', 'params', SECRET, 'invalid byte', '    at '])
      expect(body).not.toContain(leak);
    // The log has the whole story under that id, except the parameters.
    const logged = log.mock.calls.map((call) => call.join(' ')).join('\n');
    expect(logged).toContain(`error ${id} in leaderboard.versions`);
    expect(logged).toContain(`failed query: ${SQL}`);
    expect(logged).toContain('invalid byte sequence for encoding');
    expect(logged).not.toContain(SECRET);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('reach a page (a direct call) as an error id only', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const caller = trpc.createCallerFactory(routers.appRouter)({
      db: failingDb,
      viewer,
      fill: false,
    });
    const error = await caller.submissions.cancel({ id: 1 }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect((error as Error).message).toMatch(/^something went wrong .* error [0-9a-f]{12}$/);
    expect((error as Error).cause).toBeUndefined();
    expect(log.mock.calls.join('\n')).toContain('error ');
  });
});
