import { generateSynth } from '@linkboard/datasets';
import { synthTraits } from '@linkboard/datasets/synth-traits';
import { createSubmission, importBenchmark } from '@linkboard/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { alice, answerQueuedJob, openTestSite } from '../site';

// A small isekai-synth v3 (its origin says so): 8 pairs, each with its trait from the catalog.
let site: Awaited<ReturnType<typeof openTestSite>>;
let versionId: number;
let traitOfPair: Map<string, { trait: string; family: string }>;

beforeAll(async () => {
  site = await openTestSite('traits-walk');
  const { manifest } = await generateSynth({
    version: 3,
    pairs: 8,
    perConcept: 6,
    queriesPerConcept: 2,
  });
  traitOfPair = synthTraits(manifest)!;
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
  // One model that is right on every pair of the "count" and "shape" families and wrong on the
  // rest: its accuracy by family says which kinds of change it picked up.
  await createSubmission(site.database.db, {
    model: { name: 'shape-learner', ownerId: alice.id },
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    shardSize: 10_000,
  });
  await answerQueuedJob(site.database.db, {
    benchmarkVersionId: versionId,
    manifest,
    spec: { shots: [2], policies: ['lcl'], draws: 1 },
    answer: (episode) =>
      ['count', 'shape'].includes(traitOfPair.get(episode.pairId)?.family ?? '')
        ? `there is "${episode.query.label}" in the image.`
        : `there is "${episode.query.other}" in the image.`,
  });
});

describe('accuracy by trait', () => {
  it('names each v3 pair’s trait and family, and none for other benchmarks', () => {
    expect(traitOfPair.size).toBe(8);
    for (const t of traitOfPair.values())
      expect(['add-on', 'shape', 'texture', 'count']).toContain(t.family);
    expect(
      synthTraits({ origin: { generator: 'isekai-synth', generatorVersion: 2 }, pairs: [] }),
    ).toBeNull();
  });

  it('gives accuracy by family and by trait per model, with intervals over pairs', async () => {
    const result = await site.caller(null).concepts.traits({ benchmarkVersionId: versionId });
    expect(result).not.toBeNull();
    const [model] = result!.models;
    expect(model?.model).toBe('shape-learner');
    for (const g of model!.byFamily) {
      const right = ['count', 'shape'].includes(g.group);
      expect(g.estimate, g.group).toBe(right ? 1 : 0);
      const pairs = [...traitOfPair.values()].filter((t) => t.family === g.group).length;
      expect(g.clusters, g.group).toBe(pairs);
    }
    expect(model!.byTrait.map((g) => g.group).sort()).toEqual(
      [...new Set([...traitOfPair.values()].map((t) => t.trait))].sort(),
    );
    // A benchmark without traits on record has none to give.
    expect(
      await site.caller(null).concepts.traits({ benchmarkVersionId: site.versionId }),
    ).toBeNull();
  });

  it('answers /api/v1/traits in core’s schema, and 404 for a benchmark without traits', async () => {
    const { GET } = await import('../../src/app/api/v1/traits/route');
    const { rows } = await site.database.pool.query(
      'SELECT b.name, v.version FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id WHERE v.id = $1',
      [versionId],
    );
    const named = `${rows[0].name}@${rows[0].version}`;
    const reply = await GET(
      new Request(`http://site/api/v1/traits?${new URLSearchParams({ benchmark: named })}`),
    );
    expect(reply.status).toBe(200);
    const body = await reply.json();
    expect(body).toMatchObject({ benchmark: named, policy: 'lcl', scorer: 'strict' });
    expect(body.models[0].by_family[0]).toEqual(
      expect.objectContaining({ family: expect.any(String), pairs: expect.any(Number) }),
    );
    const none = await GET(new Request('http://site/api/v1/traits?benchmark=traits-walk'));
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toMatch(/no trait on record/);
  });
});
