import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSubmission } from '@linkboard/db';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, bob, openTestSite, type TestViewer } from './site';

// The attack corpus (corpus/attacks at the repository root), as the site answers it.
const CORPUS = path.join(import.meta.dirname, '..', '..', '..', 'corpus', 'attacks');
const load = <T>(name: string) =>
  (JSON.parse(readFileSync(path.join(CORPUS, `${name}.json`), 'utf8')) as { cases: T[] }).cases;

let site: Awaited<ReturnType<typeof openTestSite>>;
beforeAll(async () => {
  site = await openTestSite('corpus', { LINKBOARD_DAILY_QUOTA: '1000' });
});
afterAll(() => site.database.drop());
const caller = (viewer: TestViewer | null) => site.caller(viewer);
const count = async () =>
  (await site.database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0]
    .n as number;

interface SiteInput {
  case: string;
  change: Record<string, unknown>;
  code: string;
  message: string;
}
describe('attack corpus: site inputs', () => {
  it.each(load<SiteInput>('site-inputs').map((c) => [c.case, c] as const))('%s', async (_n, c) => {
    const change = Object.fromEntries(
      Object.entries(c.change).map(([k, v]) => [
        k,
        v === '@long' ? 'x'.repeat(10_000) : (v ?? undefined),
      ]),
    );
    const before = await count();
    await expect(
      caller(alice).submissions.create({
        benchmarkVersionId: site.versionId,
        name: `corpus-${Math.random()}`,
        kind: 'endpoint',
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'm',
        shots: [2],
        policies: ['lcl'],
        ...change,
      } as never),
    ).rejects.toMatchObject({
      code: c.code,
      message: expect.stringMatching(new RegExp(c.message)),
    });
    expect(await count()).toBe(before);
  });
});

interface ForeignMutation {
  case: string;
  mutation: string;
  target: string;
  viewer: 'anonymous' | 'bob';
  code: string;
}
describe('attack corpus: foreign mutations', () => {
  it.each(load<ForeignMutation>('foreign-mutations').map((c) => [c.case, c] as const))(
    '%s',
    async (_n, c) => {
      const owned = async (visibility: 'public' | 'private', probe = false) =>
        (
          await createSubmission(site.database.db, {
            model: { name: `alice-${Math.random()}`, ownerId: alice.id },
            benchmarkVersionId: site.versionId,
            adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
            probe,
            shots: [2],
            policies: ['lcl'],
            ownerId: alice.id,
            visibility: probe ? 'withdrawn' : visibility,
          })
        ).submissionId;
      const id =
        c.target === 'public' || c.target === 'private'
          ? await owned(c.target)
          : c.target === 'probe'
            ? await owned('private', true)
            : c.target === 'token'
              ? (await caller(alice).tokens.create({ name: 'mine' })).id
              : 987_654;
      const as = caller(c.viewer === 'bob' ? bob : null);
      const call = {
        cancel: () => as.submissions.cancel({ id }),
        retry: () => as.submissions.retry({ id }),
        publish: () => as.submissions.publish({ id }),
        withdraw: () => as.submissions.withdraw({ id }),
        probe: () => as.submissions.probe({ id }),
        revokeToken: () => as.tokens.revoke({ id }),
      }[c.mutation] as () => Promise<unknown>;
      await expect(call()).rejects.toMatchObject({ code: c.code });
    },
  );
});

interface PageParam {
  case: string;
  url: string;
  status: number | null;
  message: string | null;
}
describe('attack corpus: page parameters', () => {
  it.each(load<PageParam>('page-params').map((c) => [c.case, c] as const))('%s', async (_n, c) => {
    const { proxy } = await import('../src/proxy');
    const response = proxy(new NextRequest(`http://site${c.url}`));
    if (c.status === null) {
      expect(response.headers.get('x-middleware-next')).toBe('1');
    } else {
      expect(response.status).toBe(c.status);
      expect(await response.text()).toMatch(new RegExp(c.message as string));
    }
  });
});
