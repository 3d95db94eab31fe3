import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type Episode, type Manifest, RUNNER_API, SITE_API } from '@linkboard/core';
import { rankedFixtureManifest } from '@linkboard/core/testing';
import {
  claimJob,
  completeJob,
  createRankedSubmission,
  createRunnerToken,
  encryptSecret,
  jobStarter,
  type Lease,
  loadSecretKey,
  newWebhookSecret,
  setUserRole,
  writeAnswers,
} from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { admin, alice, bob, openTestSite, type TestViewer } from '../site';

/**
 * The visibility rule of a ranked run, walked: before the run ends, no reply of any tRPC
 * procedure or API route, nor its webhook, to anyone (anonymous, another user, its owner, an
 * admin) names an episode it has not stored an answer to (its id, its query image, the names its
 * label is one of) or its seed; once it ends, its owner gets every episode with its label and
 * verdict, and the board, the API and the webhook carry exact figures. Every procedure and every
 * route file must be listed below, so a new one cannot be added without being walked.
 */

// Routes that read through the pages' caller ask Next for the request's headers: an anonymous
// request's, here.
vi.mock('next/headers', () => ({ headers: async () => new Headers() }));

let site: Awaited<ReturnType<typeof openTestSite>>;
let manifest: Manifest;
let run: { submissionId: number; benchmarkVersionId: number };
let other: { submissionId: number };
let lease: Lease;
let episodes: Episode[];
/** What the owner's model answers: right on even episodes, wrong on odd ones. */
const answerTo = (e: Episode, i: number) => (i % 2 === 0 ? e.query.label : e.query.other);
const ANSWERED = 3;
/** One episode tried and timed out: asked again later, so not shown either. */
const ERRORED = ANSWERED;
const OPEN_SEED = 'f0'.repeat(32);

/** Names of an episode's pair (its label is one of them), its id and query image. */
function secretsOf(e: Episode): string[] {
  const pair = manifest.pairs.find((p) => p.id === e.pairId);
  return [e.id, e.query.imageId, pair?.novel.name ?? '', pair?.familiar.name ?? ''];
}
let secret: string[] = [];

beforeAll(async () => {
  site = await openTestSite('walk-ranked', { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' });
  const { db } = site.database;
  await setUserRole(db, 'alice@example.com', 'participant');
  manifest = rankedFixtureManifest({ episodes: 8, tag: 'walk' });
  const key = await loadSecretKey({ dataDir: process.env.LINKBOARD_DATA_DIR as string });
  run = await createRankedSubmission(db, {
    model: { name: 'walk-ranked-model', ownerId: alice.id },
    ownerId: alice.id,
    adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
    webhook: {
      url: 'http://127.0.0.1:9/hook',
      sealedSecret: encryptSecret(key, newWebhookSecret()),
    },
    manifest,
    ranked: { keyId: 'kwalk', commitment: 'c1'.repeat(32), seed: OPEN_SEED },
  });
  other = await createRankedSubmission(db, {
    model: { name: 'walk-ranked-other', ownerId: alice.id },
    ownerId: alice.id,
    adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
    manifest: rankedFixtureManifest({ episodes: 8, tag: 'walk-other' }),
    ranked: { keyId: 'kwalk', commitment: 'c2'.repeat(32), seed: 'e1'.repeat(32) },
  });
  const claimed = await claimJob(db, { worker: 'walk', leaseMs: 600_000 });
  if (claimed?.submissionId !== run.submissionId) throw new Error('the run’s job was not first');
  lease = claimed;
  episodes = (await jobStarter(db).start(lease)).episodes;
  await writeAnswers(
    db,
    lease,
    [
      ...episodes.slice(0, ANSWERED).map((e, i) => ({ episode: e, rawAnswer: answerTo(e, i) })),
      { episode: episodes[ERRORED] as Episode, rawAnswer: null, errorClass: 'timeout' },
    ],
    run.benchmarkVersionId,
  );
  secret = [...episodes.slice(ANSWERED).flatMap(secretsOf), OPEN_SEED];
});
afterAll(() => site.database.drop());

/** What a reply names of the open run's secrets. */
function leaks(reply: unknown): string[] {
  const text = JSON.stringify(reply) ?? '';
  return secret.filter((s) => text.includes(s));
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

const unanswered = () => episodes[ANSWERED + 1] as Episode;

/** The run's draw by its one name, `name@version`, as the site names it (no door takes its id). */
const drawName = () => `${manifest.benchmark.name}@${manifest.benchmark.version}`;

/** Inputs that point every procedure at the ranked run (several where it takes optional ids). */
const INPUTS: Record<string, () => unknown[]> = {
  'accounts.me': () => [undefined],
  'compare.models': () => [{ ids: [run.submissionId, other.submissionId] }],
  'concepts.gallery': () => [{ benchmarkVersionId: run.benchmarkVersionId }],
  'concepts.heatmap': () => [{ benchmarkVersionId: run.benchmarkVersionId }],
  'concepts.byId': () => [{ id: 1 }, { id: 2 }, { id: 9 }],
  'episodes.byId': () =>
    episodes.flatMap((e) => [{ id: e.id }, { id: e.id, submission: run.submissionId }]),
  'episodes.compare': () => [{ a: run.submissionId, b: other.submissionId }],
  'leaderboard.versions': () => [undefined],
  'ranked.board': () => [undefined],
  'leaderboard.rows': () => [{ benchmarkVersionId: run.benchmarkVersionId }],
  'leaderboard.board': () => [{ benchmarkVersionId: run.benchmarkVersionId }],
  'leaderboard.curves': () => [{ ids: [run.submissionId, other.submissionId] }],
  'submissions.byId': () => [{ id: run.submissionId }],
  'submissions.status': () => [{ id: run.submissionId }],
  'submissions.curves': () => [{ id: run.submissionId }],
  'submissions.learningCurves': () => [{ id: run.submissionId }],
  'concepts.traits': () => [{ benchmarkVersionId: run.benchmarkVersionId }],
  'submissions.concepts': () => [{ id: run.submissionId }],
  'submissions.failures': () => [{ id: run.submissionId }],
  'submissions.queue': () => [undefined],
  'submissions.mine': () => [undefined],
  'submissions.webhook': () => [{ id: run.submissionId }],
  'submissions.probe': () => [{ id: run.submissionId }],
  'submissions.testConnection': () => [
    { benchmark: drawName(), endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
  ],
  'submissions.create': () => [
    {
      benchmark: drawName(),
      name: 'walk-upload',
      kind: 'predictions',
      predictions: episodes.map((e) => JSON.stringify({ episodeId: e.id, answer: 'x' })).join('\n'),
      shots: [2],
      policies: ['lcl'],
    },
  ],
  // An estimate of a run on the draw itself (refused: a draw is its run's alone) and of a ranked
  // run of one's own (drawn only when submitted): nothing of this draw in either reply.
  'submissions.estimate': () => [
    {
      benchmark: drawName(),
      name: 'walk-estimate',
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
      shots: [2],
      policies: ['lcl'],
    },
    {
      ranked: true,
      name: 'walk-estimate',
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
    },
  ],
  'submissions.cancel': () => [{ id: other.submissionId }],
  'submissions.retry': () => [{ id: run.submissionId }],
  'submissions.rerunErrors': () => [{ id: run.submissionId }],
  'submissions.publish': () => [{ id: run.submissionId }],
  'submissions.rescore': () => [{ id: run.submissionId }],
  'submissions.withdraw': () => [{ id: other.submissionId }],
  'tokens.list': () => [undefined],
  'tokens.create': () => [{ name: 'walk' }],
  'tokens.revoke': () => [{ id: 'walk-key' }],
  'admin.overview': () => [undefined],
  'admin.setRole': () => [{ userId: bob.id, role: 'participant' }],
  'admin.ban': () => [{ userId: bob.id, reason: 'walk' }],
  'admin.unban': () => [{ userId: bob.id }],
  'admin.revokeKey': () => [{ id: 'walk-key' }],
};

const VIEWERS: (TestViewer | null)[] = [
  null,
  bob,
  { ...alice, role: 'participant' },
  { ...alice, role: 'participant', via: 'token', scopes: ['read', 'submit'] },
  admin,
];

/** Every procedure asked by every viewer, queries first (a mutation cannot hide what a query shows). */
async function walkProcedures(skipMutations: boolean) {
  const mutation =
    /cancel|retry|rerun|publish|rescore|withdraw|create|revoke|testConnection|setRole|ban/;
  const order = Object.keys(INPUTS)
    .filter((p) => !(skipMutations && mutation.test(p)))
    .sort((a, b) => Number(mutation.test(a)) - Number(mutation.test(b)));
  const found: string[] = [];
  const replies: { viewer: string; procedure: string; reply: { ok: boolean; value: unknown } }[] =
    [];
  for (const viewer of VIEWERS)
    for (const procedure of order)
      for (const input of INPUTS[procedure]?.() ?? []) {
        const reply = await ask(viewer, procedure, input);
        const who = viewer ? `${viewer.id}/${viewer.via}` : 'anonymous';
        replies.push({ viewer: who, procedure, reply });
        const named = leaks(reply.value);
        if (named.length > 0) found.push(`${who} ${procedure}: ${named.join(', ')}`);
      }
  return { found, replies };
}

/** The webhook deliveries the run has queued (the payloads its receiver would get). */
async function deliveries() {
  const { rows } = await site.database.pool.query(
    'SELECT payload FROM webhook_deliveries WHERE submission_id = $1',
    [run.submissionId],
  );
  return rows.map((r) => r.payload as Record<string, unknown>);
}

describe('a ranked run, while it is open', () => {
  it('every tRPC procedure is walked', async () => {
    const { appRouter } = await import('../../src/server/routers');
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures.filter((p) => !(p in INPUTS))).toEqual([]);
    expect(Object.keys(INPUTS).filter((p) => !procedures.includes(p))).toEqual([]);
  });

  it('no procedure shows an episode it has not answered, to anyone, admins included', async () => {
    const { found, replies } = await walkProcedures(true);
    expect(found).toEqual([]);
    // The walk reached the run: its answered episodes are shown, to every viewer of a public run.
    const shown = replies.filter(
      (r) => r.procedure === 'episodes.byId' && r.reply.ok && r.viewer === 'anonymous',
    );
    expect(shown.length).toBe(2 * ANSWERED);
    for (const { reply } of shown)
      expect((reply.value as { query: { label: string } }).query.label).toMatch(
        /^(nonce|thing)\d$/,
      );
    // An unanswered one is refused as such, to its owner and an admin too.
    for (const viewer of [alice, admin]) {
      const refused = await ask(viewer, 'episodes.byId', { id: unanswered().id });
      expect(refused).toMatchObject({ ok: false, value: { code: 'FORBIDDEN' } });
      expect(String((refused.value as { message: string }).message)).toMatch(
        /has not answered it yet/,
      );
    }
    // No delivery before the run ends.
    expect(await deliveries()).toEqual([]);
  });

  it('concept pages cover public boards: a draw’s are not found', async () => {
    const gallery = await ask(admin, 'concepts.gallery', {
      benchmarkVersionId: run.benchmarkVersionId,
    });
    expect(gallery).toMatchObject({ ok: false, value: { code: 'NOT_FOUND' } });
    expect(String((gallery.value as { message: string }).message)).toMatch(
      /concept pages cover public benchmark versions/,
    );
  });

  it('refuses a ranked run of a submitter with the reason, and compares ranked runs unpaired', async () => {
    const refused = await ask(bob, 'submissions.create', {
      ranked: true,
      name: 'walk-bob-ranked',
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
    });
    expect(refused).toMatchObject({ ok: false, value: { code: 'FORBIDDEN' } });
    expect(String((refused.value as { message: string }).message)).toMatch(
      /ranked runs are open to participants: an admin grants the role/,
    );
    const compared = await ask(null, 'compare.models', {
      ids: [run.submissionId, other.submissionId],
    });
    expect(compared.ok).toBe(true);
    expect(compared.value).toMatchObject({ pairing: 'unpaired' });
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
    return Promise.all([
      ...['csv', 'json'].map((format) =>
        GET(
          new Request(
            `http://site/api/export?${new URLSearchParams({ benchmark: drawName(), format })}`,
          ),
        ),
      ),
      // A link of before, by the draw's id: sent on, naming nothing of it but that id.
      GET(new Request(`http://site/api/export?version=${run.benchmarkVersionId}&format=json`)),
    ]);
  },
  'api/v1/benchmarks': async () => {
    const { GET } = await import('../../src/app/api/v1/benchmarks/route');
    return [await GET(new Request(`http://site${SITE_API.benchmarks}`))];
  },
  'api/v1/leaderboard': async () => {
    const { GET } = await import('../../src/app/api/v1/leaderboard/route');
    return [
      await GET(new Request(`http://site${SITE_API.leaderboard}?benchmark=isekai-synth-ranked`)),
    ];
  },
  'api/v1/ranked': async () => {
    const { GET } = await import('../../src/app/api/v1/ranked/route');
    return [await GET(new Request(`http://site${SITE_API.ranked}`))];
  },
  'api/v1/traits': async () => {
    const { GET } = await import('../../src/app/api/v1/traits/route');
    return [await GET(new Request(`http://site${SITE_API.traits}?benchmark=isekai-synth-ranked`))];
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
  'api/v1/submissions/estimate': async () => {
    const { POST } = await import('../../src/app/api/v1/submissions/estimate/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'walk-estimate' });
    return Promise.all(
      (INPUTS['submissions.estimate']?.() ?? []).map((body) =>
        POST(
          new Request(`http://site${SITE_API.estimate}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
          }),
        ),
      ),
    );
  },
  'api/v1/submissions/[id]': async () => {
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/route');
    return [await GET(new Request(`http://site${SITE_API.submissions}/${run.submissionId}`))];
  },
  'api/v1/submissions/[id]/answers.jsonl': async () => {
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'walk-owner' });
    return [
      await GET(new Request(`http://site${SITE_API.answers(run.submissionId)}`)),
      // Its owner, too: the episodes it has answered, no other.
      await GET(
        new Request(`http://site${SITE_API.answers(run.submissionId)}`, {
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
        new Request(`http://site${RUNNER_API.base}/benchmarks/${run.benchmarkVersionId}/manifest`, {
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
  'images/[id]': () =>
    'image bytes by id: a ranked draw’s are rendered only for a shown episode (test/server/ranked-images.test.ts walks them)',
};

function routeFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return routeFiles(path.join(dir, entry.name), rel);
    return entry.name === 'route.ts' ? [prefix] : [];
  });
}

describe('a ranked run over the site’s routes, while it is open', () => {
  it('every route file is walked', () => {
    const files = routeFiles(path.resolve(import.meta.dirname, '../../src/app')).sort();
    expect(files.filter((f) => !(f in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((f) => !files.includes(f))).toEqual([]);
  });

  it('no route names an episode it has not answered; the runner API serves no manifest of a draw', async () => {
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
    // The draw's manifest is a 404 (it labels every query).
    expect(statuses['api/v1/runner/[...path]']?.[0]).toBe(404);
    expect(statuses['api/v1/submissions']?.[0]).toBeGreaterThanOrEqual(400);
    // The download is the answered episodes', to anyone who sees the run.
    expect(statuses['api/v1/submissions/[id]/answers.jsonl']).toEqual([200, 200]);
  });
});

describe('a ranked run, once it has ended', () => {
  it('shows its owner every episode with its label and verdict, and exact figures everywhere', async () => {
    const { db } = site.database;
    // The run answers the rest (the errored one again) and ends.
    await writeAnswers(
      db,
      lease,
      episodes
        .slice(ANSWERED)
        .map((e, j) => ({ episode: e, rawAnswer: answerTo(e, ANSWERED + j) })),
      run.benchmarkVersionId,
    );
    await completeJob(
      db,
      lease,
      episodes.map((e) => e.id),
    );
    const correct = { lcl: 0, flip: 0 };
    const asked = { lcl: 0, flip: 0 };
    episodes.forEach((e, i) => {
      const policy = e.policy as 'lcl' | 'flip';
      asked[policy]++;
      if (i % 2 === 0) correct[policy]++;
    });

    // Every episode, to its owner: labels and verdicts.
    for (const e of episodes) {
      const reply = await ask(alice, 'episodes.byId', { id: e.id, submission: run.submissionId });
      expect(reply.ok).toBe(true);
      expect((reply.value as { query: { label: string } }).query.label).toBe(e.query.label);
    }
    // The seed is revealed; the download lists every answer with its label.
    const detail = (await ask(alice, 'submissions.byId', { id: run.submissionId })).value as {
      draw: { seed: string | null };
    };
    expect(detail.draw.seed).toBe(OPEN_SEED);
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'walk-after' });
    const lines = (
      await (
        await GET(
          new Request(`http://site${SITE_API.answers(run.submissionId)}`, {
            headers: { authorization: `Bearer ${token}` },
          }),
        )
      ).text()
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { episode_id: string; query: { label: string } });
    expect(lines.map((l) => l.episode_id).sort()).toEqual(episodes.map((e) => e.id).sort());

    // Exact figures: the board's pooled counts, the curves and the webhook are the true counts.
    const board = (await ask(null, 'ranked.board', undefined)).value as {
      model: string;
      lcl: { correct: number; n: number };
      flip: { correct: number; n: number };
    }[];
    const row = board.find((r) => r.model === 'walk-ranked-model');
    expect(row?.lcl).toEqual({ correct: correct.lcl, n: asked.lcl });
    expect(row?.flip).toEqual({ correct: correct.flip, n: asked.flip });
    const curves = (await ask(null, 'submissions.curves', { id: run.submissionId })).value as {
      policy: string;
      correct: number;
      n: number;
    }[];
    for (const policy of ['lcl', 'flip'] as const)
      expect(curves.filter((c) => c.policy === policy).reduce((sum, c) => sum + c.correct, 0)).toBe(
        correct[policy],
      );
    const [payload] = await deliveries();
    expect(payload).toBeDefined();
    const policies =
      (payload?.accuracy as { policies: { policy: string; correct: number }[] })?.policies ?? [];
    expect(Object.fromEntries(policies.map((p) => [p.policy, p.correct]))).toMatchObject(correct);
  });
});
