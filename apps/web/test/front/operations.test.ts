import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureManifest } from '@linkboard/core/testing';
import {
  connect,
  createSubmission,
  type Database,
  importBenchmark,
  registerModel,
} from '@linkboard/db';
import { MIGRATIONS_DIR } from '@linkboard/db/migrate';
import { createTestDatabase, databaseUrl, freePort } from '@linkboard/db/testing';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { databaseHealth } from '../../src/front/database-health';
import { operations } from '../../src/front/operations';
import { PageCache } from '../../src/front/page-cache';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The server's handler in front of a stand-in for Next (which would answer 404 here). */
async function serve(ops: ReturnType<typeof operations>): Promise<string> {
  const server = http.createServer((req, res) => {
    if (ops.handle(req, res)) return;
    res.writeHead(404);
    res.end('next');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The value of an unlabelled (or exactly labelled) sample in Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('operations endpoints on a migrated database', () => {
  it('healthz and readyz answer 200, uncached; other paths go on to the site', async () => {
    const database = await createTestDatabase(inject('pgUrl'), { max: 2 });
    cleanup.push(database.drop);
    const origin = await serve(operations({ database, health: null, cache: null }));
    const health = await get(`${origin}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    const ready = await get(`${origin}/readyz`);
    expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { ready: true }]);
    expect((await get(`${origin}/`)).text).toBe('next');
    expect((await get(`${origin}/healthz/x`)).status).toBe(404);
  });

  it('metrics reads the queue, results, errors and runners from the database', async () => {
    const database = await createTestDatabase(inject('pgUrl'), { max: 2 });
    cleanup.push(database.drop);
    const cache = new PageCache({ maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const origin = await serve(
      operations({ database, health: null, cache, processMetrics: false }),
    );
    const empty = await get(`${origin}/metrics`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(empty.text, 'linkboard_queue_depth')).toBe(0);
    expect(sample(empty.text, 'linkboard_queue_oldest_age_seconds')).toBe(0);

    const { benchmarkVersionId } = await importBenchmark(
      database.db,
      fixtureManifest({ name: 'ops', pairs: 1, supportPerConcept: 4 }),
    );
    const { submissionId, jobs } = await createSubmission(database.db, {
      modelId: await registerModel(database.db, { name: 'queued' }),
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
      draws: 3,
      shardSize: 1,
    });
    expect(jobs).toBeGreaterThan(2);
    // The first job queued two minutes ago; a runner holds the second.
    await database.pool.query(
      `UPDATE jobs SET created_at = now() - interval '2 minutes' WHERE id = (SELECT min(id) FROM jobs)`,
    );
    await database.pool.query(
      `UPDATE jobs SET status = 'running', lease_owner = 'runner-a', heartbeat_at = now()
       WHERE id = (SELECT min(id) + 1 FROM jobs)`,
    );
    await database.pool.query(
      `INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class, raw_answer, error_class)
       VALUES ($1, 'e1', 2, 'lcl', 1, 'novel', 'cat', NULL),
              ($1, 'e2', 2, 'lcl', 1, 'novel', NULL, 'timeout'),
              ($1, 'e3', 2, 'lcl', 1, 'novel', NULL, 'timeout'),
              ($1, 'e4', 2, 'lcl', 1, 'novel', NULL, 'http-500')`,
      [submissionId],
    );
    const fill = async () => ({
      status: 200,
      headers: {},
      body: Buffer.from('x'),
      cacheable: true,
    });
    await cache.get('k', fill);
    await cache.get('k', fill);
    await cache.get('k', fill);

    const { text } = await get(`${origin}/metrics`);
    expect(sample(text, 'linkboard_database_up')).toBe(1);
    expect(sample(text, 'linkboard_queue_depth')).toBe(jobs - 1);
    const age = sample(text, 'linkboard_queue_oldest_age_seconds') ?? 0;
    expect(age).toBeGreaterThanOrEqual(119);
    expect(age).toBeLessThan(180);
    expect(sample(text, 'linkboard_runners_seen')).toBe(1);
    expect(sample(text, 'linkboard_results_total')).toBe(4);
    expect(sample(text, 'linkboard_result_errors_total{class="timeout"}')).toBe(2);
    expect(sample(text, 'linkboard_result_errors_total{class="http-500"}')).toBe(1);
    expect(sample(text, 'linkboard_page_cache_hits_total')).toBe(2);
    expect(sample(text, 'linkboard_page_cache_misses_total')).toBe(1);
    expect(sample(text, 'linkboard_page_cache_hit_ratio')).toBeCloseTo(2 / 3);
    expect(text).toMatch(/^# TYPE linkboard_results_total counter$/m);

    // A heartbeat over a minute old is a runner no longer seen.
    await database.pool.query(`UPDATE jobs SET heartbeat_at = now() - interval '2 minutes'`);
    expect(sample((await get(`${origin}/metrics`)).text, 'linkboard_runners_seen')).toBe(0);
  });
});

describe('readyz when the database is not ready', () => {
  it('answers 503 naming the migration a database lacks', async () => {
    const server = inject('pgUrl');
    const name = `o_${randomBytes(6).toString('hex')}`;
    const admin = connect(databaseUrl(server, 'postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database: Database = connect(databaseUrl(server, name), { max: 2 });
    const folder = await mkdtemp(path.join(tmpdir(), 'linkboard-migrations-'));
    cleanup.push(async () => {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(folder, { recursive: true, force: true });
    });
    const origin = await serve(operations({ database, health: null, cache: null }));
    // Never migrated: every migration is missing.
    const none = await get(`${origin}/readyz`);
    expect(none.status).toBe(503);
    expect(JSON.parse(none.text).pending[0]).toBe('0000_init');

    // Migrated by all but the last committed migration.
    await cp(MIGRATIONS_DIR, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8'));
    const last = journal.entries.pop();
    await writeFile(journalFile, JSON.stringify(journal));
    await migrate(database.db, { migrationsFolder: folder });
    const behind = await get(`${origin}/readyz`);
    expect(behind.status).toBe(503);
    expect(behind.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(behind.text)).toEqual({
      ready: false,
      reason: expect.stringMatching(/^1 migration\(s\) not applied/),
      pending: [last.tag],
    });
  });

  it('answers 503 while the database is down, and healthz and metrics still answer', async () => {
    const url = `postgres://linkboard:x@127.0.0.1:${await freePort()}/linkboard`;
    const database = connect(url, { max: 1, connectTimeoutMs: 1_000 });
    cleanup.push(() => database.close());
    const logged: string[] = [];
    const health = databaseHealth(
      async () => false,
      (line) => logged.push(line),
      60_000,
    );
    cleanup.push(async () => health.close());
    const origin = await serve(
      operations({ database, health, cache: null, processMetrics: false }),
    );
    expect((await get(`${origin}/healthz`)).status).toBe(200);
    // Before the site noticed the outage: the check itself finds it, and tells the site.
    const first = await get(`${origin}/readyz`);
    expect(first.status).toBe(503);
    expect(JSON.parse(first.text).reason).toMatch(/^database unreachable/);
    await new Promise((r) => setTimeout(r, 50));
    expect(health.down).toBe(true);
    const known = await get(`${origin}/readyz`);
    expect([known.status, JSON.parse(known.text)]).toEqual([
      503,
      { ready: false, reason: 'database unreachable' },
    ]);
    const metrics = await get(`${origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'linkboard_database_up')).toBe(0);
    expect((await get(`${origin}/healthz`)).status).toBe(200);
  });
});
