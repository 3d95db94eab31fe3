import { createHash } from 'node:crypto';
import { defaultKeyHasher } from '@better-auth/api-key';
import {
  ApiErrorSchema,
  type CreateSubmissionBody,
  SITE_API,
  SubmissionCreatedSchema,
} from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { alice, bob, openTestSite } from '../../site';

// API keys through better-auth's API-key plugin: scopes (read, submit) checked on every request
// a key makes, expiry, revocation; keys made before the plugin keep working.

let site: Awaited<ReturnType<typeof openTestSite>>;
let routes: {
  submissions: typeof import('../../../src/app/api/v1/submissions/route');
  submission: typeof import('../../../src/app/api/v1/submissions/[id]/route');
};
let privateId: number;
beforeAll(async () => {
  site = await openTestSite('keys-test');
  routes = {
    submissions: await import('../../../src/app/api/v1/submissions/route'),
    submission: await import('../../../src/app/api/v1/submissions/[id]/route'),
  };
  const { db } = site.database;
  ({ submissionId: privateId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: 'alice-private', ownerId: alice.id }),
    benchmarkVersionId: site.versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    visibility: 'private',
    ownerId: alice.id,
  }));
});
afterAll(() => site.database.drop());
afterEach(() => vi.useRealTimers());

const submission = (name: string): CreateSubmissionBody => ({
  benchmark: site.benchmark,
  name,
  kind: 'endpoint',
  endpoint: 'http://127.0.0.1:8000/v1',
  model: 'm',
  shots: [2],
  policies: ['lcl'],
});

const submit = (key: string, name: string) =>
  routes.submissions.POST(
    new Request(`http://site${SITE_API.submissions}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(submission(name)),
    }),
  );
const readPrivate = (key: string) =>
  routes.submission.GET(
    new Request(`http://site/api/v1/submissions/${privateId}`, {
      headers: { authorization: `Bearer ${key}` },
    }),
  );
const errorOf = async (response: Response) =>
  ApiErrorSchema.parse(await response.json()).error.message;
const submissionCount = async () =>
  (await site.database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n;

describe('a scoped key', () => {
  it('that may read reads its owner’s private submission, and cannot submit', async () => {
    const key = await site.caller(alice).tokens.create({ name: 'reader', scopes: ['read'] });
    expect(key.scopes).toEqual(['read']);
    expect(key.token).toMatch(/^lb_[A-Za-z]{64}$/);
    expect((await readPrivate(key.token)).status).toBe(200);
    const before = await submissionCount();
    const refused = await submit(key.token, 'read-only-attempt');
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatch(
      /^this API key may read, not submit or change anything: make a key with the submit scope/,
    );
    expect(await submissionCount()).toBe(before);
    // The same rule on tRPC itself (the pages' and the CLI's door): a mutation needs `submit`.
    const context = await site.trpc.createContext({
      headers: new Headers({ authorization: `Bearer ${key.token}` }),
    });
    expect(context.viewer).toMatchObject({ id: alice.id, via: 'token', scopes: ['read'] });
  });

  it('that may submit submits, and cannot read', async () => {
    const key = await site.caller(alice).tokens.create({ name: 'submitter', scopes: ['submit'] });
    const created = await submit(key.token, 'submit-only');
    expect(created.status).toBe(201);
    expect(SubmissionCreatedSchema.parse(await created.json()).id).toBeGreaterThan(0);
    const refused = await readPrivate(key.token);
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatch(/^this API key may submit, not read/);
  });

  it('has both scopes unless narrowed, and needs at least one', async () => {
    const key = await site.caller(alice).tokens.create({ name: 'both' });
    expect(key.scopes).toEqual(['read', 'submit']);
    expect((await readPrivate(key.token)).status).toBe(200);
    expect((await submit(key.token, 'both-scopes')).status).toBe(201);
    await expect(
      site.caller(alice).tokens.create({ name: 'none', scopes: [] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('an expiring key', () => {
  it('works until it expires, then is refused as expired', async () => {
    const key = await site.caller(alice).tokens.create({ name: 'week', expiresInDays: 7 });
    const expiresAt = new Date(key.expiresAt as Date).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect((await readPrivate(key.token)).status).toBe(200);
    // Eight days on (only the clock the plugin reads moves; the database's stays).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 8 * 86_400_000 });
    const refused = await readPrivate(key.token);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toMatch(/^this API key has expired: make a new one/);
    expect((await submit(key.token, 'too-late')).status).toBe(401);
  });

  it('lasts a day at least and a year at most', async () => {
    for (const expiresInDays of [0, 366])
      await expect(
        site.caller(alice).tokens.create({ name: 'bounds', expiresInDays }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('revoking a key', () => {
  it('stops it at once, keeps it listed as revoked, and only its owner may', async () => {
    const key = await site.caller(alice).tokens.create({ name: 'to-revoke' });
    await expect(site.caller(bob).tokens.revoke({ id: key.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await site.caller(alice).tokens.revoke({ id: key.id });
    const refused = await readPrivate(key.token);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toMatch(/^this API key was revoked: /);
    const listed = (await site.caller(alice).tokens.list()).find((k) => k.id === key.id);
    expect(listed).toMatchObject({
      name: 'to-revoke',
      enabled: false,
      start: key.token.slice(0, 6),
    });
    // No hash, no key: a listing says what a key is, never what it was made of.
    const listing = JSON.stringify(await site.caller(alice).tokens.list());
    expect(listing).not.toContain(key.token);
    expect(listing).not.toContain(await defaultKeyHasher(key.token));
  });
});

describe('keys made before the plugin', () => {
  it('are found by the digest the old table kept, re-encoded as the plugin looks it up', async () => {
    // Migration 0022 turns api_tokens' hex SHA-256 into unpadded base64url in SQL; this pins that
    // the plugin's own hasher is that encoding, so an old token still finds its row.
    const token = 'lb_an-old-token-made-by-the-old-table_xyz';
    const hex = createHash('sha256').update(token).digest('hex');
    expect(await defaultKeyHasher(token)).toBe(Buffer.from(hex, 'hex').toString('base64url'));
    // And such a row, as the migration writes it, opens the API as its owner.
    await site.database.pool.query(
      `INSERT INTO api_keys (id, name, prefix, reference_id, key, enabled, permissions)
       VALUES ('token-legacy', 'old', 'lb_', $1,
               rtrim(translate(encode(decode($2, 'hex'), 'base64'), '+/', '-_'), '='), true,
               '{"linkboard":["read","submit"]}')`,
      [alice.id, hex],
    );
    expect((await readPrivate(token)).status).toBe(200);
  });
});
