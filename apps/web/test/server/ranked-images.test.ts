import { drawRanked } from '@linkboard/datasets/ranked-draw';
import {
  claimJob,
  completeJob,
  createRankedSubmission,
  jobStarter,
  writeAnswers,
} from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, openTestSite } from '../site';

/**
 * A ranked draw's images are never stored: the image route renders one for whoever may see its
 * episode (the visibility rule), and is a 404 for anyone else, as for an id that is no image.
 */
let site: Awaited<ReturnType<typeof openTestSite>>;
beforeAll(async () => {
  site = await openTestSite('ranked-images');
});
afterAll(() => site.database.drop());

async function get(id: string, token?: string) {
  const { GET } = await import('../../src/app/images/[id]/route');
  return GET(
    new Request(`http://site/images/${id}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
    { params: Promise.resolve({ id }) },
  );
}

describe('a ranked draw’s images', () => {
  it('are rendered once their episode is shown, to those who may see the run', async () => {
    const { db } = site.database;
    const draw = drawRanked({ seed: '3a'.repeat(32), shots: [2], perPolicy: 2 });
    const run = await createRankedSubmission(db, {
      model: { name: 'image-model', ownerId: alice.id },
      ownerId: alice.id,
      openToAll: true,
      visibility: 'private',
      adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
      manifest: draw.manifest,
      ranked: { keyId: 'kimg', commitment: draw.commitment, seed: draw.seed },
    });
    const lease = await claimJob(db, { worker: 'img', leaseMs: 60_000 });
    const { episodes } = await jobStarter(db).start(lease!);
    const [answered, open] = episodes as [(typeof episodes)[0], (typeof episodes)[0]];
    await writeAnswers(
      db,
      lease!,
      [{ episode: answered, rawAnswer: answered.query.label }],
      run.benchmarkVersionId,
    );
    const { token } = await site.caller(alice).tokens.create({ name: 'images' });

    const shown = await get(answered.query.imageId, token);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/jpeg');
    expect(shown.headers.get('cache-control')).toMatch(/^private/);
    const bytes = Buffer.from(await shown.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    // Not to anyone else (the run is private), and not the unanswered episode's, to its owner either.
    expect((await get(answered.query.imageId)).status).toBe(404);
    expect((await get(open.query.imageId, token)).status).toBe(404);
    expect((await get(open.support[0]!.imageId, token)).status).toBe(404);

    // Once the run ends, every episode's.
    await writeAnswers(
      db,
      lease!,
      episodes.slice(1).map((e) => ({ episode: e, rawAnswer: e.query.other })),
      run.benchmarkVersionId,
    );
    await completeJob(
      db,
      lease!,
      episodes.map((e) => e.id),
    );
    expect((await get(open.query.imageId, token)).status).toBe(200);
  });
});
