import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, importBenchmark, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runLabels } from '../../src/lib/run-labels';
import { answerQueuedJob, openTestSite } from '../site';
import { html, textOf } from './render';

// The concept pages as Next renders them, their routers answering from a test database.
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', async (importOriginal) => ({
  ...(await importOriginal<typeof import('~/server/caller')>()),
  api: async () => site.caller(null),
}));

const manifest = fixtureManifest({ name: 'concept-pages', pairs: 2, supportPerConcept: 4 });
let versionId: number;
let conceptId: number;
const runs: number[] = [];

/** A finished run of `model`, right on the familiar concepts' queries only. */
async function run(model: string, modelId?: number) {
  const { db } = site.database;
  const spec = { shots: [2], policies: ['lcl' as const], draws: 1 };
  const { submissionId } = await createSubmission(db, {
    modelId: modelId ?? (await registerModel(db, { name: model })),
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
  });
  await answerQueuedJob(db, {
    benchmarkVersionId: versionId,
    manifest,
    spec,
    answer: (e) => e.query.label,
  });
  runs.push(submissionId);
  return submissionId;
}

beforeAll(async () => {
  site = await openTestSite('concept-pages-site');
  const { db, pool } = site.database;
  ({ benchmarkVersionId: versionId } = await importBenchmark(db, manifest));
  // Each concept its own description; the partner's must not show under this one.
  await pool.query(
    `UPDATE concepts SET description = CASE key WHEN 'novel-0' THEN 'a plain thing with stripes' WHEN 'familiar-0' THEN 'a plain thing' END WHERE benchmark_version_id = $1`,
    [versionId],
  );
  conceptId = (
    await pool.query(
      `SELECT id FROM concepts WHERE key = 'novel-0' AND benchmark_version_id = $1`,
      [versionId],
    )
  ).rows[0].id;
  // Two runs of one model, and one of another.
  const twice = await registerModel(db, { name: 'twice-run' });
  await run('twice-run', twice);
  await run('twice-run', twice);
  await run('once-run');
});
afterAll(() => site.database.drop());

const conceptPage = async (query: Record<string, string> = {}) => {
  const { default: ConceptPage } = await import('../../src/app/concepts/[id]/page');
  return html(
    ConceptPage({
      params: Promise.resolve({ id: String(conceptId) }),
      searchParams: Promise.resolve(query),
    }),
  );
};

describe("a concept's page", () => {
  it('names its benchmark version and shows its own description, not its partner’s', async () => {
    const markup = await conceptPage();
    const text = textOf(markup);
    expect(text).toMatch(
      /^novelthing0 a plain thing with stripes A novel concept of pair pair-0 on concept-pages@1 ?; its partner is plainthing0 ?\./,
    );
    expect(text).not.toMatch(/a plain thing(?! with)/);
    // Its table lists each run, two runs of one model told apart.
    const [first, second] = runs;
    expect(text).toContain(`twice-run (#${first}, `);
    expect(text).toContain(`twice-run (#${second}, `);
  });

  it('scores by the scorer its board ranks by, and lets the reader choose another', async () => {
    const { pool } = site.database;
    await pool.query(
      `UPDATE benchmark_versions SET ranked_setting = ranked_setting || '{"scorer":"official"}' WHERE id = $1`,
      [versionId],
    );
    try {
      const ranked = textOf(await conceptPage());
      expect(ranked).toContain(
        'How models do on its queries (official scorer, the one the board ranks by)',
      );
      const chosen = textOf(await conceptPage({ scorer: 'strict' }));
      expect(chosen).toContain('How models do on its queries (strict scorer)');
      expect(chosen).toContain('Scorer: official (ranked) / strict');
    } finally {
      await pool.query(
        `UPDATE benchmark_versions SET ranked_setting = ranked_setting || '{"scorer":"strict"}' WHERE id = $1`,
        [versionId],
      );
    }
    expect(textOf(await conceptPage())).toContain('(strict scorer, the one the board ranks by)');
  });
});

describe('the heatmap', () => {
  it('labels two runs of one model apart, each row a link to its submission', async () => {
    const { default: ConceptsPage } = await import('../../src/app/concepts/page');
    const markup = await html(ConceptsPage({ searchParams: Promise.resolve({}) }));
    const rows = [...markup.matchAll(/<tr data-testid="heat-row">[\s\S]*?<\/th>/g)].map(
      (m) => m[0],
    );
    expect(rows).toHaveLength(3);
    const labels = rows.map((row) => textOf(row));
    expect(new Set(labels).size).toBe(3);
    const [first, second] = runs;
    const day = new Date().toISOString().slice(0, 10);
    expect(labels).toEqual(
      expect.arrayContaining([
        `twice-run (#${first}, ${day})`,
        `twice-run (#${second}, ${day})`,
        'once-run',
      ]),
    );
    for (const id of runs)
      expect(rows.some((row) => row.includes(`href="/submissions/${id}"`))).toBe(true);
  });

  it('names a model alone where it has one run, and leaves out a date it does not have', () => {
    const labels = runLabels([
      { id: 1, model: 'a', finishedAt: new Date('2026-01-02T03:04:05Z') },
      { id: 2, model: 'b', finishedAt: '2026-01-03T00:00:00Z' },
      { id: 3, model: 'b', finishedAt: null },
    ]);
    expect([...labels.values()]).toEqual(['a', 'b (#2, 2026-01-03)', 'b (#3)']);
  });
});
