import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modelNameKey, parseAdapterConfig } from '@linkboard/core';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { describe, expect, inject, it } from 'vitest';
import { ConflictError, connect, registerModel } from '../src';
import { MIGRATIONS_DIR, migrateDatabase } from '../src/migrate';
import { databaseUrl } from '../src/testing';

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
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
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
        { name: 'plain', name_key: modelNameKey('plain') },
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
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
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

describe('migration 0007 (adapter config)', () => {
  it('moves the probe key to its column and uploaded answers to the predictions table', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
    const before = await migrationsBefore('0007_adapter_config');
    try {
      await migrate(database.db, { migrationsFolder: before });
      const q = (text: string, params: unknown[] = []) => database.pool.query(text, params);
      await q(`INSERT INTO benchmarks (name) VALUES ('b')`);
      await q(
        `INSERT INTO benchmark_versions (benchmark_id, version, manifest_hash, manifest) VALUES (1, 'v1', 'h', '{}')`,
      );
      await q(`INSERT INTO models (name, name_key) VALUES ('m', 'm')`);
      const insert = (adapter: string, config: object) =>
        q(
          `INSERT INTO submissions (model_id, benchmark_version_id, adapter, adapter_config, shots, policies, total_episodes)
           VALUES (1, 1, $1, $2, '{2}', '{lcl}', 3)`,
          [adapter, JSON.stringify(config)],
        );
      await insert('predictions', { answers: { e1: 'cat', e2: null, e3: 'dog' }, file: 'p.jsonl' });
      await insert('openai', {
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'm',
        probe: true,
        retries: 1,
        timeoutMs: 30000,
      });
      await insert('openai', { internal: 'reference-server', model: 'random' });
      await insert('builtin', { name: 'random' });
      await migrateDatabase(database.db);
      const { rows } = await q('SELECT adapter_config, probe FROM submissions ORDER BY id');
      expect(rows).toEqual([
        { adapter_config: { file: 'p.jsonl', count: 3 }, probe: false },
        {
          adapter_config: {
            endpoint: 'http://127.0.0.1:9/v1',
            model: 'm',
            retries: 1,
            timeoutMs: 30000,
          },
          probe: true,
        },
        { adapter_config: { internal: 'reference-server', model: 'random' }, probe: false },
        { adapter_config: { name: 'random' }, probe: false },
      ]);
      const predictions = await q(
        'SELECT submission_id, episode_id, answer FROM predictions ORDER BY episode_id',
      );
      expect(predictions.rows).toEqual([
        { submission_id: 1, episode_id: 'e1', answer: 'cat' },
        { submission_id: 1, episode_id: 'e2', answer: null },
        { submission_id: 1, episode_id: 'e3', answer: 'dog' },
      ]);
      // Every migrated row is a typed config again.
      const typed = await q('SELECT adapter, adapter_config FROM submissions ORDER BY id');
      for (const r of typed.rows)
        expect(() => parseAdapterConfig(r.adapter_config, 'row', r.adapter)).not.toThrow();
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});

describe('migration 0017 (the hidden split retired, participants, quota uses)', () => {
  it('retires a fixed hidden split, stops its unfinished runs, and counts the last day’s submissions', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
    const before = await migrationsBefore('0017_retire_hidden_split_participants');
    try {
      await migrate(database.db, { migrationsFolder: before });
      const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
      await q(`INSERT INTO users (id, name, email) VALUES ('u1', 'U', 'u@example.com')`);
      await q(`INSERT INTO benchmarks (name) VALUES ('isekai-synth')`);
      const versions = await q(
        `INSERT INTO benchmark_versions (benchmark_id, version, manifest_hash, manifest, split)
         VALUES (1, '3-test', 'h1', '{}', 'hidden'), (1, '3.1', 'h2', '{}', 'public') RETURNING id`,
      );
      const [hidden, open] = versions.rows.map((r) => Number(r.id));
      await q(`INSERT INTO models (name, name_key) VALUES ('m', 'm')`);
      const submit = async (version: number, status: string, owner: string | null) =>
        Number(
          (
            await q(
              `INSERT INTO submissions (model_id, benchmark_version_id, adapter, shots, policies, status, total_episodes, owner_id)
               VALUES (1, $1, 'builtin', '{2}', '{lcl}', $2, 8, $3) RETURNING id`,
              [version, status, owner],
            )
          ).rows[0].id,
        );
      const running = await submit(hidden as number, 'running', 'u1');
      const done = await submit(hidden as number, 'done', null);
      const elsewhere = await submit(open as number, 'queued', 'u1');
      await q(
        `INSERT INTO jobs (submission_id, first_episode, episode_count, status) VALUES ($1, 0, 8, 'running'), ($2, 0, 8, 'queued')`,
        [running, elsewhere],
      );
      await migrateDatabase(database.db);

      const retired = await q(
        'SELECT id, retired_at IS NOT NULL AS retired FROM benchmark_versions ORDER BY id',
      );
      expect(retired.rows).toEqual([
        { id: hidden, retired: true },
        { id: open, retired: false },
      ]);
      const runs = await q('SELECT id, status, last_error FROM submissions ORDER BY id');
      expect(runs.rows).toEqual([
        { id: running, status: 'cancelled', last_error: expect.stringMatching(/was retired/) },
        { id: done, status: 'done', last_error: null },
        { id: elsewhere, status: 'queued', last_error: null },
      ]);
      const jobs = await q('SELECT submission_id, status FROM jobs ORDER BY submission_id');
      expect(jobs.rows).toEqual([
        { submission_id: running, status: 'cancelled' },
        { submission_id: elsewhere, status: 'queued' },
      ]);
      // The owned submissions of the last day, as quota uses; the operator's (no owner) none.
      const uses = await q(
        'SELECT submission_id, kind, action FROM quota_uses ORDER BY submission_id',
      );
      expect(uses.rows).toEqual([
        { submission_id: running, kind: 'submission', action: 'create' },
        { submission_id: elsewhere, kind: 'submission', action: 'create' },
      ]);
      await q(`UPDATE users SET role = 'participant' WHERE id = 'u1'`);
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});

describe('migration 0018 (withdrawn, not hidden)', () => {
  it('renames an admin-hidden submission’s visibility to withdrawn, keeping every row and the default', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
    const before = await migrationsBefore('0018_withdrawn_visibility');
    try {
      await migrate(database.db, { migrationsFolder: before });
      const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
      await q(`INSERT INTO benchmarks (name) VALUES ('b')`);
      await q(
        `INSERT INTO benchmark_versions (benchmark_id, version, manifest_hash, manifest, split)
         VALUES (1, '1', 'h1', '{}', 'hidden')`,
      );
      await q(`INSERT INTO models (name, name_key) VALUES ('m', 'm')`);
      // Without a visibility, the column's default.
      const submit = async (visibility?: string) =>
        Number(
          (
            await q(
              `INSERT INTO submissions (model_id, benchmark_version_id, adapter, shots, policies, total_episodes${visibility ? ', visibility' : ''})
               VALUES (1, 1, 'builtin', '{2}', '{lcl}', 8${visibility ? ', $1' : ''}) RETURNING id`,
              visibility ? [visibility] : [],
            )
          ).rows[0].id,
        );
      const hidden = await submit('hidden');
      const shown = await submit('public');
      const own = await submit('private');
      await migrateDatabase(database.db);

      const rows = await q('SELECT id, visibility FROM submissions ORDER BY id');
      expect(rows.rows).toEqual([
        { id: hidden, visibility: 'withdrawn' },
        { id: shown, visibility: 'public' },
        { id: own, visibility: 'private' },
      ]);
      const values = await q(
        `SELECT enum_range(NULL::visibility)::text[] AS visibility, enum_range(NULL::benchmark_split)::text[] AS split`,
      );
      // The split keeps its `hidden`: only the submission's meaning was renamed.
      expect(values.rows[0]).toEqual({
        visibility: ['public', 'private', 'withdrawn'],
        split: ['public', 'hidden'],
      });
      const later = await submit();
      expect((await q('SELECT visibility FROM submissions WHERE id = $1', [later])).rows).toEqual([
        { visibility: 'public' },
      ]);
      await expect(submit('hidden')).rejects.toThrow(/invalid input value for enum visibility/);
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});

describe('migration 0022 (API keys through better-auth)', () => {
  it('moves every API token into api_keys, found by the same token, revoked ones disabled', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(databaseUrl(server, name), { max: 2 });
    const before = await migrationsBefore('0022_better_auth_api_keys_admin');
    try {
      await migrate(database.db, { migrationsFolder: before });
      const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
      await q(`INSERT INTO users (id, name, email) VALUES ('u1', 'U', 'u@example.com')`);
      const live = `lb_${randomBytes(24).toString('base64url')}`;
      const gone = `lb_${randomBytes(24).toString('base64url')}`;
      const hex = (token: string) => createHash('sha256').update(token).digest('hex');
      await q(
        `INSERT INTO api_tokens (user_id, name, token_hash, last_used_at, revoked_at)
         VALUES ('u1', 'laptop', $1, '2026-01-02T00:00:00Z', NULL),
                ('u1', 'old', $2, NULL, '2026-01-03T00:00:00Z')`,
        [hex(live), hex(gone)],
      );
      await migrateDatabase(database.db);

      // better-auth's API-key plugin looks a key up by its SHA-256 as unpadded base64url.
      const lookup = (token: string) =>
        q(
          'SELECT name, enabled, permissions, reference_id, prefix, expires_at FROM api_keys WHERE key = $1',
          [createHash('sha256').update(token).digest('base64url')],
        );
      expect((await lookup(live)).rows).toEqual([
        {
          name: 'laptop',
          enabled: true,
          permissions: '{"linkboard":["read","submit"]}',
          reference_id: 'u1',
          prefix: 'lb_',
          expires_at: null,
        },
      ]);
      expect((await lookup(gone)).rows).toMatchObject([{ name: 'old', enabled: false }]);
      await expect(q('SELECT 1 FROM api_tokens')).rejects.toThrow(/does not exist/);
      expect((await q(`SELECT banned FROM users WHERE id = 'u1'`)).rows).toEqual([
        { banned: false },
      ]);
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
