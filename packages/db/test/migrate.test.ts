import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { describe, expect, inject, it } from 'vitest';
import { ConflictError, connect, registerModel } from '../src';
import { MIGRATIONS_DIR, migrateDatabase } from '../src/migrate';

/** The committed migrations up to (not including) `tag`, in a folder of their own. */
async function migrationsBefore(tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalFile, JSON.stringify(journal));
  return dir;
}

describe('migration 0004 (model name keys)', () => {
  it('keys models that were there before it, keeping old look-alikes apart', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(server.replace(/\/linkboard$/, '/postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(server.replace(/\/linkboard$/, `/${name}`), { max: 2 });
    const before = await migrationsBefore('0004_model_name_keys');
    try {
      await migrate(database.db, { migrationsFolder: before });
      await database.pool.query(
        `INSERT INTO models (name) VALUES ('Shared'), ('shared'), ('\u0421at'), ('plain')`,
      );
      await migrateDatabase(database.db);
      const { rows } = await database.pool.query('SELECT name, name_key FROM models ORDER BY id');
      expect(rows).toEqual([
        { name: 'Shared', name_key: 'shared' },
        { name: 'shared', name_key: expect.stringMatching(/^shared #\d+$/) },
        { name: '\u0421at', name_key: 'cat' },
        { name: 'plain', name_key: 'plain' },
      ]);
      await expect(registerModel(database.db, { name: 'CAT' })).rejects.toBeInstanceOf(
        ConflictError,
      );
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});

describe('migration 0006 (verdicts per scorer)', () => {
  it('moves the official and strict verdicts of stored results into rows of their own', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(server.replace(/\/linkboard$/, '/postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(server.replace(/\/linkboard$/, `/${name}`), { max: 2 });
    const before = await migrationsBefore('0006_verdicts_per_scorer');
    try {
      await migrate(database.db, { migrationsFolder: before });
      await database.pool.query(`
        INSERT INTO benchmarks (id, name) VALUES (1, 'b');
        INSERT INTO benchmark_versions (id, benchmark_id, version, manifest_hash, manifest) VALUES (1, 1, '1', 'h', '{}');
        INSERT INTO models (id, name, name_key) VALUES (1, 'm', 'm');
        INSERT INTO submissions (id, model_id, benchmark_version_id, adapter, shots, policies, total_episodes, scorer)
          VALUES (1, 1, 1, 'builtin', '{2}', '{lcl}', 2, 'strict');
        INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class, raw_answer,
                             official_outcome, official_rule, strict_outcome, strict_rule)
          VALUES (1, 'e1', 2, 'lcl', 1, 'novel', 'Cactihog', 'neither', 'substring-none', 'correct', 'word-label'),
                 (1, 'e2', 2, 'lcl', 1, 'novel', NULL, 'error', 'no-answer', 'error', 'no-answer');`);
      await migrateDatabase(database.db);
      const { rows } = await database.pool.query(
        'SELECT episode_id, scorer, scorer_version, outcome, rule FROM verdicts ORDER BY episode_id, scorer',
      );
      expect(rows).toEqual([
        {
          episode_id: 'e1',
          scorer: 'official',
          scorer_version: 1,
          outcome: 'neither',
          rule: 'substring-none',
        },
        {
          episode_id: 'e1',
          scorer: 'strict',
          scorer_version: 1,
          outcome: 'correct',
          rule: 'word-label',
        },
        {
          episode_id: 'e2',
          scorer: 'official',
          scorer_version: 1,
          outcome: 'error',
          rule: 'no-answer',
        },
        {
          episode_id: 'e2',
          scorer: 'strict',
          scorer_version: 1,
          outcome: 'error',
          rule: 'no-answer',
        },
      ]);
      const { rows: columns } = await database.pool.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'results' AND column_name LIKE '%outcome%'`,
      );
      expect(columns).toEqual([]);
      expect((await database.pool.query('SELECT scorer FROM submissions')).rows).toEqual([
        { scorer: 'strict' },
      ]);
      // Deleting a result (an error cleared for a retry) takes its verdicts with it.
      await database.pool.query(`DELETE FROM results WHERE episode_id = 'e2'`);
      expect((await database.pool.query('SELECT count(*)::int AS n FROM verdicts')).rows).toEqual([
        { n: 2 },
      ]);
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
