import { SITE_API, SubmissionCreatedSchema } from '@linkboard/core';
import { cancelSubmission, getBenchmarkVersion, setUserRole } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, bob, openTestSite } from '../../site';

// Small draws, and a quota of three runs a day, read by the site at import.
let site: Awaited<ReturnType<typeof openTestSite>>;
beforeAll(async () => {
  site = await openTestSite('ranked-submit', {
    LINKBOARD_RANKED_PER_POLICY: '2',
    LINKBOARD_DAILY_QUOTA: '3',
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
  });
  await setUserRole(site.database.db, 'alice@example.com', 'participant');
});
afterAll(() => site.database.drop());

const participant = { ...alice, role: 'participant' as const };
const rankedRequest = {
  ranked: true,
  name: 'site-ranked-model',
  kind: 'endpoint' as const,
  endpoint: 'http://127.0.0.1:9/v1',
  model: 'm',
};

describe('a ranked run through the site', () => {
  it('is drawn afresh for a participant, from the form’s procedure and the API alike', async () => {
    const made = await site.caller(participant).submissions.create(rankedRequest);
    const detail = await site.caller(participant).submissions.byId({ id: made.id });
    const version = await getBenchmarkVersion(site.database.db, detail.benchmarkVersionId);
    expect(version?.rankedDraw).toBe(true);
    expect(detail.benchmark).toMatch(/^isekai-synth-ranked@1\+[0-9a-f]{16}$/);
    // Lcl and flip, the draw's shot counts, 2 per shot count and policy: whatever was asked.
    expect(detail.policies.sort()).toEqual(['flip', 'lcl']);
    expect(made.episodes).toBe(2 * 2 * detail.shots.length);
    expect(detail.draw?.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.draw?.seed).toBeNull();

    const { POST } = await import('../../../src/app/api/v1/submissions/route');
    const { token } = await site.caller(participant).tokens.create({ name: 'ranked-api' });
    const response = await POST(
      new Request(`http://site${SITE_API.submissions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...rankedRequest, name: 'site-ranked-api' }),
      }),
    );
    expect(response.status).toBe(201);
    const viaApi = SubmissionCreatedSchema.parse(await response.json());
    const apiDetail = await site.caller(participant).submissions.byId({ id: viaApi.id });
    // Another draw: a run's draw is its own.
    expect(apiDetail.benchmarkVersionId).not.toBe(detail.benchmarkVersionId);
  });

  it('refuses an upload to a draw before reading it: a real episode id and a made-up one alike', async () => {
    const [drawId] = (
      await site.database.pool.query(
        'SELECT id FROM benchmark_versions WHERE ranked_draw ORDER BY id LIMIT 1',
      )
    ).rows.map((r) => Number(r.id));
    const version = await getBenchmarkVersion(site.database.db, drawId as number);
    const first = version?.manifest.episodes?.[0];
    const real = `${version?.manifestHash.slice(0, 16)}-${first?.id}`;
    // The draw by its one name, as the site shows it (`isekai-synth-ranked@1+<16 hex>`).
    const drawName = `${version?.manifest.benchmark.name}@${version?.manifest.benchmark.version}`;
    const upload = (episodeId: string, shots: number, policy: 'lcl' | 'flip') =>
      site.caller(bob).submissions.create({
        benchmark: drawName,
        name: 'oracle',
        kind: 'predictions',
        predictions: JSON.stringify({ episode_id: episodeId, answer: 'x' }),
        shots: [shots],
        policies: [policy],
      });
    const answers = await Promise.all(
      [real, `${real}x`].flatMap((id) =>
        (['lcl', 'flip'] as const).map((policy) =>
          upload(id, 2, policy).then(
            () => 'created',
            (error: Error) => error.message,
          ),
        ),
      ),
    );
    // Four questions, one answer: nothing says which id is the draw's, or its policy.
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/is one ranked run's own draw, asked once/);
  });

  it('is refused to a submitter with the reason, and a plain request still needs its version', async () => {
    await expect(site.caller(bob).submissions.create(rankedRequest)).rejects.toThrow(
      /ranked runs are open to participants/,
    );
    await expect(
      site.caller(bob).submissions.create({ ...rankedRequest, ranked: false }),
    ).rejects.toThrow(/required: the benchmark version to run/);
    await expect(
      site.caller(participant).submissions.create({ ...rankedRequest, benchmark: site.benchmark }),
    ).rejects.toThrow(/a ranked run draws its own episodes: give no benchmark/);
  });

  it('counts a retry against the daily quota like a new run', async () => {
    // Alice has made two runs above; the quota is three a day.
    const plain = await site.caller(participant).submissions.create({
      benchmark: site.benchmark,
      name: 'site-retried-model',
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'm',
      shots: [2],
      policies: ['lcl'],
    });
    await cancelSubmission(site.database.db, plain.id);
    await expect(site.caller(participant).submissions.retry({ id: plain.id })).rejects.toThrow(
      /daily quota of 3 runs \(new submissions, retries and re-runs of errors\) is used up/,
    );
    // Another account's quota is its own.
    await cancelSubmission(site.database.db, plain.id);
    const other = await site.caller(admin()).submissions.retry({ id: plain.id });
    expect(other.retried).toBe(true);
  });
});

const admin = () => ({ id: 'user-admin', role: 'admin' as const, via: 'session' as const });
