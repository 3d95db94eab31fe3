import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, importBenchmark, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, answerQueuedJob, openTestSite } from '../site';

// The board exported as JSON Lines, for the `datasets` library's JSON loader: a flat record per
// line with the same keys on every line.
let site: Awaited<ReturnType<typeof openTestSite>>;
const manifest = fixtureManifest({ name: 'export-jsonl', pairs: 4, supportPerConcept: 8 });
let versionId: number;
let setting: { shots: number[]; draws: number; policy: string; scorer: string };

/** A finished public run at `shots`, right on the episodes `right` picks. */
async function run(model: string, shots: number[], right: (i: number) => boolean) {
  const { db } = site.database;
  const spec = { shots, policies: ['lcl' as const], draws: setting.draws };
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: alice.id }),
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
    visibility: 'public',
    ownerId: alice.id,
    shardSize: 10_000,
  });
  await answerQueuedJob(db, {
    benchmarkVersionId: versionId,
    manifest,
    spec,
    answer: (e, i) => (right(i) ? e.query.label : e.query.other),
  });
  return submissionId;
}

const exported = async (query: Record<string, string>) => {
  const { GET } = await import('../../src/app/api/export/route');
  return GET(new Request(`http://site/api/export?${new URLSearchParams(query)}`));
};

const NAME = 'quoted "model": v1, {braces}';
beforeAll(async () => {
  site = await openTestSite('export-jsonl-site');
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
  const version = (await site.caller(null).leaderboard.versions()).find((v) => v.id === versionId);
  setting = version!.rankedSetting as typeof setting;
  await run(NAME, setting.shots, () => true);
  await run('half-right', setting.shots, (i) => i % 2 === 0);
  // Only the smallest shot count: a row with fewer per-shot figures than the others.
  await run('fewer-shots', [Math.min(...setting.shots)], () => true);
});
afterAll(() => site.database.drop());

describe('the board exported as JSON Lines', () => {
  it('is a flat record per row, with the same keys on every line, in the JSON export’s order', async () => {
    const benchmark = `${manifest.benchmark.name}@${manifest.benchmark.version}`;
    const response = await exported({ benchmark, policy: 'lcl', format: 'jsonl' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="leaderboard-${benchmark}-lcl-${setting.scorer}.jsonl"`,
    );
    const text = await response.text();
    // A line per row, each ended: nothing else in the file.
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(3);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    // Every value a scalar (no nested object or list), and one set of keys in one order.
    for (const record of records)
      for (const [key, value] of Object.entries(record))
        expect(value === null || typeof value !== 'object', `${key}: ${value}`).toBe(true);
    const keys = Object.keys(records[0] ?? {});
    for (const record of records) expect(Object.keys(record)).toEqual(keys);
    const perShot = setting.shots.map((s) => `acc_${s}shot`).sort();
    expect(keys.filter((k) => k.startsWith('acc_')).sort()).toEqual(perShot);
    expect(keys).not.toContain('per_shot');

    // The JSON export's rows, field for field, with the board each line is of.
    const json = (await (await exported({ benchmark, policy: 'lcl', format: 'json' })).json()) as {
      rows: ({ per_shot: Record<string, number | null> } & Record<string, unknown>)[];
    };
    expect(records.map((r) => r.model)).toEqual(json.rows.map((r) => r.model));
    for (const [i, record] of records.entries()) {
      const { per_shot, ...fields } = json.rows[i] as (typeof json.rows)[number];
      expect(record).toMatchObject({ benchmark, policy: 'lcl', ...fields });
      for (const s of setting.shots)
        expect(record[`acc_${s}shot`], `${record.model} at ${s}`).toBe(per_shot[s] ?? null);
    }
    expect(records.find((r) => r.model === NAME)?.accuracy).toBe(1);
    // A row without a shot count has it, as null: the column is there on every line.
    const fewer = records.find((r) => r.model === 'fewer-shots');
    expect(fewer?.[`acc_${Math.max(...setting.shots)}shot`]).toBeNull();
    expect(fewer?.[`acc_${Math.min(...setting.shots)}shot`]).toBe(1);
  });

  it('is an empty file for a board with no rows, and refuses a format it does not know', async () => {
    const benchmark = `${manifest.benchmark.name}@${manifest.benchmark.version}`;
    const empty = await exported({ benchmark, policy: 'icl', format: 'jsonl' });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
    const unknown = await exported({ benchmark, format: 'parquet' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('format');
  });
});
