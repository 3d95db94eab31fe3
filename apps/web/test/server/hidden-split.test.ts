import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createManifest, type Manifest, RUNNER_API, SITE_API, sha256Hex } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createRunnerToken, createSubmission, importBenchmark, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { admin, alice, answerQueuedJob, bob, openTestSite, type TestViewer } from '../site';

/**
 * The hidden split's promise, walked: no reply of any tRPC procedure or API route, to anyone but
 * an admin (the submission's own owner included), names a hidden query image or a hidden episode.
 * An episode id would do: the failures list pairs it with its verdict, and on a two-way task a
 * verdict is the label. Every procedure and every route file must be listed below, so a new one
 * cannot be added without being walked.
 */

// Routes that read through the pages' caller ask Next for the request's headers: an anonymous
// request's, here.
vi.mock('next/headers', () => ({ headers: async () => new Headers() }));

let site: Awaited<ReturnType<typeof openTestSite>>;
let hidden: Manifest;
let hiddenVersionId: number;
let secret: { queryImages: string[]; episodes: string[]; openSeeds: string[] };

/** The seed of a ranked run that has not ended: no reply may name it until the run ends. */
const OPEN_SEED = 'f0'.repeat(32);
let subjects: {
  submission: number;
  openRanked: number;
  other: number;
  concept: number;
  episode: string;
};

/** The fixture with image ids of its own (the fixture's are derived from concept ids alone). */
function hiddenManifest(): Manifest {
  const { manifestHash: _hash, ...body } = fixtureManifest({
    name: 'walk-hidden',
    pairs: 2,
    supportPerConcept: 4,
  });
  return createManifest({
    ...body,
    benchmark: { ...body.benchmark, split: 'hidden' },
    images: body.images.map((i) => ({ ...i, id: sha256Hex(`hidden|${i.id}`) })),
  });
}

/** A finished public submission on the hidden split, answered by `answer`. */
async function finished(model: string, answer: (label: string, i: number) => string) {
  const { db } = site.database;
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: alice.id }),
    benchmarkVersionId: hiddenVersionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    ownerId: alice.id,
  });
  const { episodes, conceptIds } = await answerQueuedJob(db, {
    benchmarkVersionId: hiddenVersionId,
    manifest: hidden,
    spec: { shots: [2], policies: ['lcl'], draws: 1 },
    answer: (episode, i) => answer(episode.query.label, i),
  });
  return { submissionId, episodes, conceptIds };
}

beforeAll(async () => {
  site = await openTestSite('walk-public', { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' });
  hidden = hiddenManifest();
  ({ benchmarkVersionId: hiddenVersionId } = await importBenchmark(site.database.db, hidden));
  const a = await finished('walk-a', (label, i) => (i % 3 ? label : 'no idea'));
  const b = await finished('walk-b', (label, i) => (i % 2 ? label : 'no idea'));
  // Run a is also a finished ranked run, so the ranked board lists it; another, still queued,
  // holds a seed that must stay secret.
  const { db } = site.database;
  await site.database.pool.query(
    `UPDATE submissions SET draw_commitment = $1, ranked_key_id = 'kwalk', draw_seed = $2 WHERE id = $3`,
    ['c1'.repeat(32), '5e'.repeat(32), a.submissionId],
  );
  const openRanked = await createSubmission(db, {
    modelId: await registerModel(db, { name: 'walk-open-ranked', ownerId: alice.id }),
    benchmarkVersionId: hiddenVersionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    ownerId: alice.id,
    ranked: { keyId: 'kwalk', commitment: 'c2'.repeat(32), seed: OPEN_SEED },
  });
  secret = {
    queryImages: hidden.images.filter((i) => i.role === 'query').map((i) => i.id),
    episodes: a.episodes.map((e) => e.id),
    openSeeds: [OPEN_SEED],
  };
  subjects = {
    openRanked: openRanked.submissionId,
    submission: a.submissionId,
    other: b.submissionId,
    concept: [...a.conceptIds.values()][0]!,
    episode: a.episodes[0]!.id,
  };
});
afterAll(() => site.database.drop());

/** What a reply names of the hidden split's secrets. */
function leaks(reply: unknown): string[] {
  const text = JSON.stringify(reply) ?? '';
  return [...secret.queryImages, ...secret.episodes, ...secret.openSeeds].filter((id) =>
    text.includes(id),
  );
}

/** A procedure's answer, or its refusal (which must not leak either). */
async function ask(viewer: TestViewer | null, procedure: string, input: unknown) {
  const caller = site.caller(viewer) as unknown as Record<string, Record<string, unknown>>;
  const [group, name] = procedure.split('.') as [string, string];
  const call = caller[group]?.[name] as ((input: unknown) => Promise<unknown>) | undefined;
  if (!call) throw new Error(`no procedure ${procedure}`);
  try {
    return { ok: true, value: await call(input) };
  } catch (error) {
    return {
      ok: false,
      value: { code: (error as { code?: string }).code, message: String(error) },
    };
  }
}

/** Inputs that point every procedure at the hidden split (several where it takes optional ids). */
const INPUTS: Record<string, () => unknown[]> = {
  'accounts.me': () => [undefined],
  'compare.models': () => [{ ids: [subjects.submission, subjects.other] }],
  'concepts.gallery': () => [{ benchmarkVersionId: hiddenVersionId }],
  'concepts.heatmap': () => [{ benchmarkVersionId: hiddenVersionId }],
  'concepts.byId': () => [{ id: subjects.concept }],
  'episodes.byId': () => [
    { id: subjects.episode },
    { id: subjects.episode, submission: subjects.submission },
  ],
  'episodes.compare': () => [{ a: subjects.submission, b: subjects.other }],
  'leaderboard.versions': () => [undefined],
  'ranked.board': () => [undefined],
  'leaderboard.rows': () => [{ benchmarkVersionId: hiddenVersionId }],
  'leaderboard.curves': () => [{ ids: [subjects.submission, subjects.other] }],
  'submissions.byId': () => [{ id: subjects.submission }, { id: subjects.openRanked }],
  'submissions.status': () => [{ id: subjects.submission }, { id: subjects.openRanked }],
  'submissions.curves': () => [{ id: subjects.submission }],
  'submissions.learningCurves': () => [{ id: subjects.submission }],
  'concepts.traits': () => [
    { benchmarkVersionId: hiddenVersionId },
    { benchmarkVersionId: site.versionId },
  ],
  'submissions.concepts': () => [{ id: subjects.submission }],
  'submissions.failures': () => [{ id: subjects.submission }],
  'submissions.queue': () => [undefined],
  'submissions.mine': () => [undefined],
  'submissions.webhook': () => [{ id: subjects.submission }],
  'submissions.probe': () => [{ id: subjects.submission }],
  'submissions.testConnection': () => [
    { benchmarkVersionId: hiddenVersionId, endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
  ],
  'submissions.create': () => [
    {
      benchmarkVersionId: hiddenVersionId,
      name: 'walk-upload',
      kind: 'predictions',
      predictions: secret.episodes
        .map((id) => JSON.stringify({ episodeId: id, answer: 'x' }))
        .join('\n'),
      shots: [2],
      policies: ['lcl'],
    },
  ],
  'submissions.cancel': () => [{ id: subjects.submission }],
  'submissions.retry': () => [{ id: subjects.submission }],
  'submissions.rerunErrors': () => [{ id: subjects.submission }],
  'submissions.publish': () => [{ id: subjects.submission }],
  'submissions.rescore': () => [{ id: subjects.submission }],
  'submissions.hide': () => [{ id: subjects.submission }],
  'tokens.list': () => [undefined],
  'tokens.create': () => [{ name: 'walk' }],
  'tokens.revoke': () => [{ id: 1 }],
};

describe('a hidden test split', () => {
  it('every tRPC procedure is walked', async () => {
    const { appRouter } = await import('../../src/server/routers');
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures.filter((p) => !(p in INPUTS))).toEqual([]);
    expect(Object.keys(INPUTS).filter((p) => !procedures.includes(p))).toEqual([]);
  });

  it('no procedure names a hidden query image or episode to anyone but an admin', async () => {
    // Queries first, then mutations, so that a mutation cannot hide what a query would show.
    const order = Object.keys(INPUTS).sort(
      (a, b) =>
        Number(/cancel|retry|rerun|publish|rescore|hide|create|revoke/.test(a)) -
        Number(/cancel|retry|rerun|publish|rescore|hide|create|revoke/.test(b)),
    );
    const found: string[] = [];
    for (const viewer of [null, bob, alice, { ...alice, via: 'token' as const }])
      for (const procedure of order)
        for (const input of INPUTS[procedure]!()) {
          const reply = await ask(viewer, procedure, input);
          const named = leaks(reply.value);
          if (named.length > 0)
            found.push(`${viewer?.id ?? 'anonymous'} ${procedure}: ${named.length}`);
        }
    expect(found).toEqual([]);
  });

  it('the guard is what stops them: an admin sees the same episode, and its owner is told why not', async () => {
    const episode = await ask(admin, 'episodes.byId', {
      id: subjects.episode,
      submission: subjects.submission,
    });
    expect(episode.ok).toBe(true);
    expect(leaks(episode.value).length).toBeGreaterThan(0);
    const failures = await ask(admin, 'submissions.failures', { id: subjects.submission });
    expect(leaks(failures.value).length).toBeGreaterThan(0);
    const refused = await ask(alice, 'submissions.failures', { id: subjects.submission });
    expect(refused).toMatchObject({ ok: false, value: { code: 'FORBIDDEN' } });
    expect(String((refused.value as { message: string }).message)).toMatch(/hidden test split/);
  });

  it('refuses uploaded predictions on it, and shows its board in whole percents only', async () => {
    const upload = await ask(alice, 'submissions.create', INPUTS['submissions.create']!()[0]);
    expect(upload.ok).toBe(false);
    expect(String((upload.value as { message: string }).message)).toMatch(
      /uploaded predictions are refused on a hidden test split/,
    );
    const rows = (await ask(null, 'leaderboard.rows', { benchmarkVersionId: hiddenVersionId }))
      .value as { accuracy: number | null; perShot: Record<number, number | null> }[];
    expect(rows.length).toBe(2);
    for (const row of rows)
      for (const x of [row.accuracy, ...Object.values(row.perShot)])
        if (x !== null) expect(Math.abs(x * 100 - Math.round(x * 100))).toBeLessThan(1e-9);
    // The learning curve and the chart's bands, like the board: whole percents.
    const curves = (await ask(null, 'submissions.learningCurves', { id: subjects.submission }))
      .value as { slope: number | null; auc: number | null }[];
    const bands = (await ask(null, 'leaderboard.curves', { ids: [subjects.submission] })).value as {
      low: number | null;
      high: number | null;
    }[];
    const shares = [
      ...curves.flatMap((c) => [c.slope, c.auc]),
      ...bands.flatMap((b) => [b.low, b.high]),
    ].filter((x): x is number => x !== null);
    expect(shares.length).toBeGreaterThan(0);
    for (const x of shares) expect(Math.abs(x * 100 - Math.round(x * 100))).toBeLessThan(1e-9);
  });

  it('limits submissions on it per account per day', async () => {
    const { db } = site.database;
    const make = () =>
      createSubmission(db, {
        model: { name: 'walk-quota', ownerId: bob.id },
        benchmarkVersionId: hiddenVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
        ownerId: bob.id,
        quota: { ownerId: bob.id, limit: 50, probes: false, hiddenLimit: 2 },
      });
    await make();
    await make();
    await expect(make()).rejects.toThrow(/daily quota of 2 submissions on hidden test splits/);
    // The public split is not counted against it.
    await expect(
      createSubmission(db, {
        model: { name: 'walk-quota', ownerId: bob.id },
        benchmarkVersionId: site.versionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
        ownerId: bob.id,
        quota: { ownerId: bob.id, limit: 50, probes: false, hiddenLimit: 2 },
      }),
    ).resolves.toMatchObject({ submissionId: expect.any(Number) });
  });
});

/** Every route file under src/app, with the requests that walk it (or why it holds no data). */
const ROUTES: Record<string, () => Promise<Response[]> | string> = {
  'api/auth/[...all]': () => 'better-auth: accounts and sessions, no benchmark data',
  'api/trpc/[trpc]': () => 'the procedures above, over HTTP',
  'api/openapi.json': () =>
    import('../../src/app/api/openapi.json/route').then(({ GET }) => [GET()]),
  'api/export': async () => {
    const { GET } = await import('../../src/app/api/export/route');
    return Promise.all(
      ['csv', 'json'].map((format) =>
        GET(new Request(`http://site/api/export?version=${hiddenVersionId}&format=${format}`)),
      ),
    );
  },
  'api/v1/benchmarks': async () => {
    const { GET } = await import('../../src/app/api/v1/benchmarks/route');
    return [await GET(new Request(`http://site${SITE_API.benchmarks}`))];
  },
  'api/v1/leaderboard': async () => {
    const { GET } = await import('../../src/app/api/v1/leaderboard/route');
    return [await GET(new Request(`http://site${SITE_API.leaderboard}?benchmark=walk-hidden`))];
  },
  'api/v1/ranked': async () => {
    const { GET } = await import('../../src/app/api/v1/ranked/route');
    return [await GET(new Request(`http://site${SITE_API.ranked}`))];
  },
  'api/v1/traits': async () => {
    const { GET } = await import('../../src/app/api/v1/traits/route');
    return [await GET(new Request(`http://site${SITE_API.traits}?benchmark=walk-hidden`))];
  },
  'api/v1/submissions': async () => {
    const { POST } = await import('../../src/app/api/v1/submissions/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'walk-api' });
    return [
      await POST(
        new Request(`http://site${SITE_API.submissions}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(INPUTS['submissions.create']!()[0]),
        }),
      ),
    ];
  },
  'api/v1/submissions/[id]': async () => {
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/route');
    return [await GET(new Request(`http://site${SITE_API.submissions}/${subjects.submission}`))];
  },
  'api/v1/submissions/[id]/answers.jsonl': async () => {
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'walk-owner' });
    return [
      await GET(new Request(`http://site${SITE_API.answers(subjects.submission)}`)),
      // Its owner, too: the answer key is admins' only.
      await GET(
        new Request(`http://site${SITE_API.answers(subjects.submission)}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      ),
    ];
  },
  'api/v1/runner/[...path]': async () => {
    const { GET, POST } = await import('../../src/app/api/v1/runner/[...path]/route');
    const { token } = await createRunnerToken(site.database.db, 'walk-lab');
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    return [
      await GET(
        new Request(`http://site${RUNNER_API.base}benchmarks/${hiddenVersionId}/manifest`, {
          headers: auth,
        }),
      ),
      await POST(
        new Request(`http://site${RUNNER_API.claim}`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ worker: 'walk:1', leaseMs: 60_000 }),
        }),
      ),
    ];
  },
  'images/[id]': () => 'image bytes by their hash: a caller must already know the id; no label',
};

function routeFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return routeFiles(path.join(dir, entry.name), rel);
    return entry.name === 'route.ts' ? [prefix] : [];
  });
}

describe('a hidden test split over the site’s routes', () => {
  it('every route file is walked', () => {
    const files = routeFiles(path.resolve(import.meta.dirname, '../../src/app')).sort();
    expect(files.filter((f) => !(f in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((f) => !files.includes(f))).toEqual([]);
  });

  it('no route names a hidden query image or episode; the runner API serves neither manifest nor job', async () => {
    const found: string[] = [];
    const statuses: Record<string, number[]> = {};
    for (const [route, walk] of Object.entries(ROUTES)) {
      const responses = await walk();
      if (typeof responses === 'string') continue;
      statuses[route] = responses.map((r) => r.status);
      for (const response of responses) {
        const named = leaks(await response.text());
        if (named.length > 0) found.push(`${route}: ${named.length}`);
      }
    }
    expect(found).toEqual([]);
    // The manifest is a 404; the claim finds nothing (only the hidden split's jobs exist here).
    expect(statuses['api/v1/runner/[...path]']?.[0]).toBe(404);
    expect(statuses['api/v1/submissions']?.[0]).toBeGreaterThanOrEqual(400);
    expect(statuses['api/v1/submissions/[id]/answers.jsonl']).toEqual([403, 403]);
  });
});
