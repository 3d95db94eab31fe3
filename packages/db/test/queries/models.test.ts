import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  createSubmission,
  importBenchmark,
  ModelNameError,
  QuotaError,
  refreshModelNameKeys,
  registerModel,
  users,
} from '../../src';
import { fixtureManifest } from '../fixtures';
import { freshDatabase } from '../helpers';

const ALICE = 'user-alice';
const BOB = 'user-bob';

async function withUsers() {
  const database = await freshDatabase();
  await database.db.insert(users).values([
    { id: ALICE, name: 'Alice', email: 'alice@example.com' },
    { id: BOB, name: 'Bob', email: 'bob@example.com' },
  ]);
  return database;
}

const modelCount = async (database: Awaited<ReturnType<typeof freshDatabase>>) =>
  (await database.pool.query('SELECT count(*)::int AS n FROM models')).rows[0].n as number;

describe('registerModel', () => {
  it('refuses a name that looks like another account’s', async () => {
    const database = await withUsers();
    const id = await registerModel(database.db, { name: 'A-public-model', ownerId: ALICE });
    for (const name of [
      'a-public-model',
      '\u0410-public-model', // Cyrillic capital A
      'A-public-m\u03bfdel', // Greek omicron
      'Ａ-public-model', // fullwidth
    ])
      await expect(registerModel(database.db, { name, ownerId: BOB }), name).rejects.toThrow(
        /looks like "A-public-model", already registered by another account/,
      );
    // The owner gets the name as registered, not a second model beside it.
    await expect(
      registerModel(database.db, { name: 'a-public-model', ownerId: ALICE }),
    ).rejects.toThrow(/looks like "A-public-model", already registered; submit under that name/);
    expect(await registerModel(database.db, { name: 'A-public-model', ownerId: ALICE })).toBe(id);
    expect(await modelCount(database)).toBe(1);
  });

  it('refuses invisible, bidi and control characters, saying which', async () => {
    const database = await withUsers();
    for (const [name, what] of [
      ['A-public\u200b-model', /invisible .*\(U\+200B\)/],
      ['A-public-\u202emodel', /\(U\+202E\)/],
      ['evil\u0000model', /control character \(U\+0000\)/],
    ] as const) {
      const refusal = registerModel(database.db, { name, ownerId: BOB });
      await expect(refusal).rejects.toBeInstanceOf(ModelNameError);
      await expect(registerModel(database.db, { name, ownerId: BOB })).rejects.toThrow(what);
    }
    expect(await modelCount(database)).toBe(0);
  });

  it('lets the unique key settle a race between two accounts', async () => {
    const database = await withUsers();
    const attempts = await Promise.allSettled([
      registerModel(database.db, { name: 'race-model', ownerId: ALICE }),
      registerModel(database.db, { name: 'RACE-model', ownerId: BOB }),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(
      (attempts.find((a) => a.status === 'rejected') as PromiseRejectedResult).reason,
    ).toBeInstanceOf(ConflictError);
    expect(await modelCount(database)).toBe(1);
  });

  it('brings keys made before the key existed up to date, keeping old look-alikes apart', async () => {
    const database = await withUsers();
    // Rows as the migration leaves them: a provisional key per name.
    await database.db.execute(sql`
      INSERT INTO models (name, name_key) VALUES
        ('\u0410-old', 'provisional 1'), ('a-old', 'provisional 2'), ('other', 'other')`);
    expect(await refreshModelNameKeys(database.db)).toEqual({ updated: 1, kept: ['a-old'] });
    await expect(
      registerModel(database.db, { name: 'A-old', ownerId: BOB }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await refreshModelNameKeys(database.db)).toEqual({ updated: 0, kept: ['a-old'] });
  });
});

describe('createSubmission with a model to register', () => {
  it('registers the model in the submission’s transaction: a refused submission leaves no model', async () => {
    const database = await withUsers();
    const { benchmarkVersionId } = await importBenchmark(database.db, fixtureManifest());
    const submit = (name: string, limit: number) =>
      createSubmission(database.db, {
        model: { name, ownerId: ALICE },
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
        ownerId: ALICE,
        quota: { ownerId: ALICE, limit, probes: false },
      });
    await expect(submit('over-quota-model', 0)).rejects.toBeInstanceOf(QuotaError);
    // A refusal after the model was registered in the transaction (a store that fails).
    await expect(
      createSubmission(database.db, {
        model: { name: 'unstorable-model', ownerId: ALICE },
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'nul \u0000 in text' },
        shots: [2],
        policies: ['lcl'],
        ownerId: ALICE,
      }),
    ).rejects.toThrow();
    expect(await modelCount(database)).toBe(0);
    // Bob can take a name Alice's refused submission asked for.
    await expect(
      createSubmission(database.db, {
        model: { name: 'over-quota-model', ownerId: BOB },
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
        ownerId: BOB,
      }),
    ).resolves.toHaveProperty('submissionId');
    const { submissionId } = await submit('alice-model', 5);
    const { rows } = await database.pool.query(
      'SELECT m.name, m.owner_id FROM submissions s JOIN models m ON m.id = s.model_id WHERE s.id = $1',
      [submissionId],
    );
    expect(rows).toEqual([{ name: 'alice-model', owner_id: ALICE }]);
  });
});
