import type http from 'node:http';
import { type Database, type OperationsSnapshot, operationsSnapshot } from '@linkboard/db';
import { pendingMigrations } from '@linkboard/db/migrate';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DatabaseHealth } from './database-health';
import type { PageCache } from './page-cache';

/**
 * What an operator watches, answered by the site's server ahead of Next, the page cache and the
 * outage page (never cached, never rate-limited, answered while the database is away):
 *
 * - `/healthz`: 200 while the process serves.
 * - `/readyz`: 200 when the database answers and has every committed migration; 503 with a
 *   JSON reason otherwise.
 * - `/metrics`: Prometheus text. The queue, results, errors and runners are read from the
 *   database at scrape time (one query per scrape); the page cache's hits and misses are counted
 *   here; Node's process metrics come with them.
 */
export interface Operations {
  /** Answers the request if it is one of the three paths; false leaves it to the site. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  readonly registry: Registry;
}

export const OPERATIONS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

/** How long a readiness check or a scrape waits for the database. */
const DATABASE_TIMEOUT_MS = 2_000;

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function operations(options: {
  /** The site's own small pool for these checks; null when the site has no database. */
  database: Database | null;
  health: DatabaseHealth | null;
  cache: PageCache | null;
  timeoutMs?: number;
  /** Node's process metrics (CPU, memory, event loop); on unless a test turns them off. */
  processMetrics?: boolean;
}): Operations {
  const { database, health, cache } = options;
  const timeoutMs = options.timeoutMs ?? DATABASE_TIMEOUT_MS;
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  // Every database-derived metric of a scrape shares one query: the collects run together.
  let inFlight: Promise<OperationsSnapshot | null> | null = null;
  const snapshot = () => {
    if (!database) return Promise.resolve(null);
    inFlight ??= within(timeoutMs, operationsSnapshot(database.db))
      .catch(() => {
        health?.suspect();
        return null;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
  /** A database-derived metric: while the database is away it keeps its last value. */
  const fromDatabase = (read: (s: OperationsSnapshot) => number) =>
    async function collect(this: Gauge) {
      const s = await snapshot();
      if (s) this.set(read(s));
    };

  new Gauge({
    name: 'linkboard_database_up',
    help: 'Whether the database answered the last scrape (the other linkboard_ values from it keep their last reading while it does not)',
    registers: [registry],
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'linkboard_queue_depth',
    help: 'Jobs queued (waiting for a runner, or for their retry time)',
    registers: [registry],
    collect: fromDatabase((s) => s.queueDepth),
  });
  new Gauge({
    name: 'linkboard_queue_oldest_age_seconds',
    help: 'Age of the oldest queued job in seconds (0 with none queued)',
    registers: [registry],
    collect: fromDatabase((s) => s.oldestQueuedSeconds),
  });
  new Gauge({
    name: 'linkboard_runners_seen',
    help: 'Distinct runners holding a job with a heartbeat in the last minute',
    registers: [registry],
    collect: fromDatabase((s) => s.runnersSeen),
  });
  new Counter({
    name: 'linkboard_results_total',
    help: 'Episode results written (answers and errors); rate() gives episodes per second',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      this.inc(s.results);
    },
  });
  new Counter({
    name: 'linkboard_result_errors_total',
    help: 'Episode results without an answer, by error class',
    labelNames: ['class'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const [errorClass, n] of Object.entries(s.errorsByClass))
        this.inc({ class: errorClass }, n);
    },
  });
  if (cache) {
    new Counter({
      name: 'linkboard_page_cache_hits_total',
      help: 'Page-cache answers served from memory (current or, during a re-render, the previous one)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(cache.served.hit + cache.served.stale);
      },
    });
    new Counter({
      name: 'linkboard_page_cache_misses_total',
      help: 'Page-cache answers that waited for a render',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(cache.served.miss);
      },
    });
    new Gauge({
      name: 'linkboard_page_cache_hit_ratio',
      help: 'Hits over all page-cache answers since the site started (0 before any)',
      registers: [registry],
      collect() {
        const { hit, stale, miss } = cache.served;
        const all = hit + stale + miss;
        this.set(all ? (hit + stale) / all : 0);
      },
    });
  }

  async function readiness(): Promise<{ ready: boolean; reason?: string; pending?: string[] }> {
    if (!database) return { ready: false, reason: 'no database configured (set DATABASE_URL)' };
    if (health?.down) return { ready: false, reason: 'database unreachable' };
    let pending: string[];
    try {
      pending = await within(timeoutMs, pendingMigrations(database.db));
    } catch (error) {
      health?.suspect();
      return { ready: false, reason: `database unreachable: ${(error as Error).message}` };
    }
    if (pending.length)
      return {
        ready: false,
        reason: `${pending.length} migration(s) not applied; run \`linkboard db migrate\``,
        pending,
      };
    return { ready: true };
  }

  function reply(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string,
  ) {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
  const json = 'application/json; charset=utf-8';

  return {
    registry,
    handle(req, res) {
      const path = (req.url ?? '').split('?')[0];
      if (!OPERATIONS_PATHS.includes(path as (typeof OPERATIONS_PATHS)[number])) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'cache-control': 'no-store' });
        res.end();
        return true;
      }
      if (path === '/healthz') {
        reply(req, res, 200, json, JSON.stringify({ ok: true }));
      } else if (path === '/readyz') {
        void readiness().then((r) => reply(req, res, r.ready ? 200 : 503, json, JSON.stringify(r)));
      } else {
        registry.metrics().then(
          (text) => reply(req, res, 200, registry.contentType, text),
          (error: Error) =>
            reply(req, res, 500, 'text/plain; charset=utf-8', `metrics: ${error.message}\n`),
        );
      }
      return true;
    },
  };
}
