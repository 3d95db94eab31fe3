import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  createSubmission,
  importBenchmark,
  ModelNameError,
  modelOfCard,
  QuotaError,
  refreshModelNameKeys,
  registerModel,
  submissionDetail,
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

describe('model cards', () => {
  const cardOfModel = async (database: Awaited<ReturnType<typeof freshDatabase>>, name: string) =>
    (
      await database.pool.query(
        'SELECT organisation, url, params_b, weights, licence, base_model FROM models WHERE name = $1',
        [name],
      )
    ).rows[0];

  it('keeps the card on the model (the latest statement of a field wins) and the revision on each submission', async () => {
    const database = await withUsers();
    const { benchmarkVersionId } = await importBenchmark(database.db, fixtureManifest());
    const submit = (ownerId: string, card: Parameters<typeof modelOfCard>[0]) =>
      createSubmission(database.db, {
        model: { name: 'carded-model', ...modelOfCard(card), ownerId },
        modelRevision: card.revision,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
        ownerId,
      });
    const first = await submit(ALICE, {
      organisation: 'Acme',
      paramsB: 7.25,
      weights: 'open',
      licence: 'apache-2.0',
      baseModel: 'base-vlm',
      modelUrl: 'https://example.org/carded',
      revision: 'r1',
    });
    expect(await cardOfModel(database, 'carded-model')).toEqual({
      organisation: 'Acme',
      url: 'https://example.org/carded',
      params_b: 7.25,
      weights: 'open',
      licence: 'apache-2.0',
      base_model: 'base-vlm',
    });
    // A later submission restates the size and licence: those change; what it leaves out stays.
    const second = await submit(ALICE, { paramsB: 8, licence: 'mit', revision: 'r2' });
    expect(await cardOfModel(database, 'carded-model')).toMatchObject({
      organisation: 'Acme',
      params_b: 8,
      licence: 'mit',
      weights: 'open',
    });
    // Each submission keeps the revision it ran; the page shows the model's card beside it.
    const one = await submissionDetail(database.db, first.submissionId);
    const two = await submissionDetail(database.db, second.submissionId);
    expect(one?.card).toMatchObject({ revision: 'r1', paramsB: 8, licence: 'mit' });
    expect(two?.card).toEqual({
      organisation: 'Acme',
      paramsB: 8,
      weights: 'open',
      licence: 'mit',
      baseModel: 'base-vlm',
      modelUrl: 'https://example.org/carded',
      revision: 'r2',
    });
  });

  it('never lets another account’s refused submission touch the card', async () => {
    const database = await withUsers();
    await registerModel(database.db, { name: 'alices-model', ownerId: ALICE, paramsB: 7 });
    await expect(
      registerModel(database.db, { name: 'alices-model', ownerId: BOB, paramsB: 700 }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await cardOfModel(database, 'alices-model')).params_b).toBe(7);
  });
});
