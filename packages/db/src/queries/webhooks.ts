import { WEBHOOK_STATES, type WebhookPayload } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { col, queryRows, type Tx } from './rows';

/** A delivery row's own status (`webhook_delivery_status`). */
const DELIVERY_STATUS = z.enum(['pending', 'delivering', 'delivered', 'failed']);

/**
 * The webhook outbox. A submission that names a webhook gets one delivery row each time it reaches
 * a final state, written by the transaction that puts it there (`enqueueWebhook`), so the
 * announcement commits with the state or not at all, and the job that finished it waits on no
 * HTTP call. Runners on the database claim due rows, send them and record the outcome.
 */

/**
 * The facts a delivery announces (core's `WebhookPayload` less what is added on sending: the event
 * name, the delivery id and the page URL), snapshotted when the state is reached, so every retry
 * sends the same facts.
 */
export type StoredWebhookPayload = Omit<WebhookPayload, 'event' | 'delivery_id' | 'url'>;

/**
 * Writes the outbox row for a submission that has just reached a final state, inside the caller's
 * transaction. Does nothing for a submission without a webhook or not in a final state.
 */
export async function enqueueWebhook(tx: Tx, submissionId: number): Promise<void> {
  const [s] = await queryRows(
    tx,
    z.object({
      id: col.number,
      status: z.enum(WEBHOOK_STATES),
      scorer: col.text,
      last_error: col.text.nullable(),
      finished_at: col.time.nullable(),
      model: col.text,
      benchmark: col.text,
      version: col.text,
    }),
    sql`SELECT s.id, s.status, s.scorer, s.last_error, s.finished_at, m.name AS model, b.name AS benchmark, v.version
        FROM submissions s JOIN models m ON m.id = s.model_id
        JOIN benchmark_versions v ON v.id = s.benchmark_version_id JOIN benchmarks b ON b.id = v.benchmark_id
        WHERE s.id = ${submissionId} AND s.webhook_url IS NOT NULL AND s.status IN ('done', 'failed', 'cancelled')`,
  );
  if (!s) return;
  const status = s.status;
  let accuracy: StoredWebhookPayload['accuracy'] = null;
  if (status === 'done') {
    const rows = await queryRows(
      tx,
      z.object({
        policy: col.text,
        n: col.number,
        correct: col.number,
        // `{ "<shots>": [correct, n] }`
        per_shot: z.record(z.string(), z.tuple([col.number, col.number])),
      }),
      sql`SELECT policy, n, correct, per_shot FROM submission_summaries
          WHERE submission_id = ${submissionId} AND scorer = ${s.scorer} ORDER BY policy`,
    );
    const rate = (correct: number, n: number) => (n > 0 ? correct / n : null);
    accuracy = {
      scorer: s.scorer,
      policies: rows.map((r) => ({
        policy: r.policy,
        n: r.n,
        correct: r.correct,
        accuracy: rate(r.correct, r.n),
        per_shot: Object.fromEntries(
          Object.entries(r.per_shot).map(([shots, [correct, n]]) => [shots, rate(correct, n)]),
        ),
      })),
    };
  }
  const payload: StoredWebhookPayload = {
    submission_id: s.id,
    status,
    benchmark: `${s.benchmark}@${s.version}`,
    model: s.model,
    error: status === 'failed' ? s.last_error : null,
    finished_at: s.finished_at ? s.finished_at.toISOString() : null,
    accuracy,
  };
  await tx.execute(
    sql`INSERT INTO webhook_deliveries (submission_id, state, payload)
        VALUES (${submissionId}, ${status}, ${JSON.stringify(payload)}::jsonb)`,
  );
}

/** A claimed delivery: what to send, where, and the lease that records its outcome. */
export interface WebhookDelivery {
  id: number;
  deliveryId: string;
  submissionId: number;
  leaseToken: string;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  payload: StoredWebhookPayload;
  url: string;
  /** The encrypted HMAC key (decrypt with the platform's secret key). */
  sealedSecret: string;
}

/**
 * Claims the next due delivery in one statement (a pending row whose time has come, or one whose
 * claimer died mid-attempt), skipping rows other runners are claiming. First fails rows whose
 * claimer died on their last attempt, so none stays `delivering` for ever.
 */
export async function claimWebhookDelivery(
  db: Db,
  options: { leaseMs: number },
): Promise<WebhookDelivery | null> {
  await db.execute(
    sql`UPDATE webhook_deliveries SET status = 'failed', lease_token = NULL, lease_expires_at = NULL,
          last_error = coalesce(last_error || '; ', '') || 'the runner stopped during the last attempt'
        WHERE status = 'delivering' AND lease_expires_at < now() AND attempts >= max_attempts`,
  );
  const [row] = await queryRows(
    db,
    z.object({
      id: col.number,
      delivery_id: col.text,
      submission_id: col.number,
      lease_token: col.text,
      attempts: col.number,
      max_attempts: col.number,
      payload: col.stored<StoredWebhookPayload>(),
      webhook_url: col.text.nullable(),
      webhook_secret: col.text.nullable(),
    }),
    sql`UPDATE webhook_deliveries d SET status = 'delivering', attempts = d.attempts + 1,
          lease_token = gen_random_uuid(), lease_expires_at = now() + ${options.leaseMs} * interval '1 millisecond'
        FROM submissions s
        WHERE s.id = d.submission_id AND d.id = (
          SELECT id FROM webhook_deliveries
          WHERE (status = 'pending' AND run_after <= now())
             OR (status = 'delivering' AND lease_expires_at < now() AND attempts < max_attempts)
          ORDER BY run_after, id
          FOR UPDATE SKIP LOCKED
          LIMIT 1)
        RETURNING d.id, d.delivery_id, d.submission_id, d.lease_token, d.attempts, d.max_attempts, d.payload,
          s.webhook_url, s.webhook_secret`,
  );
  if (!row) return null;
  const claimed = {
    id: row.id,
    deliveryId: row.delivery_id,
    submissionId: row.submission_id,
    leaseToken: row.lease_token,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    payload: row.payload,
    url: row.webhook_url ?? '',
    sealedSecret: row.webhook_secret ?? '',
  };
  if (!claimed.url || !claimed.sealedSecret) {
    // The submission's webhook is gone (cleared by hand): nothing to send to.
    await finishWebhookDelivery(db, claimed, {
      ok: false,
      retryable: false,
      error: 'the submission no longer has a webhook',
    });
    return claimWebhookDelivery(db, options);
  }
  return claimed;
}

export type WebhookOutcome =
  | { ok: true; statusCode: number }
  | { ok: false; retryable: boolean; error: string; statusCode?: number; delayMs?: number };

/**
 * Records an attempt's outcome under its lease: delivered; or pending again after `delayMs` while
 * attempts remain and the failure is worth retrying; or failed. Returns the row's new status, or
 * null when the lease was lost (another runner took the row after this one's lease ran out).
 */
export async function finishWebhookDelivery(
  db: Db,
  lease: Pick<WebhookDelivery, 'id' | 'leaseToken'>,
  outcome: WebhookOutcome,
): Promise<'delivered' | 'pending' | 'failed' | null> {
  const returned = z.object({ status: DELIVERY_STATUS.exclude(['delivering']) });
  const [row] = outcome.ok
    ? await queryRows(
        db,
        returned,
        sql`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), lease_token = NULL,
              lease_expires_at = NULL, last_status_code = ${outcome.statusCode}, last_error = NULL
            WHERE id = ${lease.id} AND lease_token = ${lease.leaseToken} AND status = 'delivering'
            RETURNING status`,
      )
    : await queryRows(
        db,
        returned,
        sql`UPDATE webhook_deliveries SET
              status = CASE WHEN ${outcome.retryable} AND attempts < max_attempts
                THEN 'pending'::webhook_delivery_status ELSE 'failed'::webhook_delivery_status END,
              run_after = now() + ${outcome.delayMs ?? 0} * interval '1 millisecond',
              lease_token = NULL, lease_expires_at = NULL,
              last_status_code = ${outcome.statusCode ?? null}, last_error = ${outcome.error}
            WHERE id = ${lease.id} AND lease_token = ${lease.leaseToken} AND status = 'delivering'
            RETURNING status`,
      );
  return row?.status ?? null;
}

/** Gives a claimed delivery back untouched (a runner stopping): the attempt does not count. */
export async function releaseWebhookDelivery(
  db: Db,
  lease: Pick<WebhookDelivery, 'id' | 'leaseToken'>,
): Promise<void> {
  await db.execute(
    sql`UPDATE webhook_deliveries SET status = 'pending', lease_token = NULL, lease_expires_at = NULL,
          attempts = greatest(attempts - 1, 0), run_after = now()
        WHERE id = ${lease.id} AND lease_token = ${lease.leaseToken} AND status = 'delivering'`,
  );
}

/** A submission's webhook deliveries, newest first, for its owner's view (no payload, no secret). */
export async function webhookDeliveriesOf(db: Db, submissionId: number) {
  const rows = await queryRows(
    db,
    z.object({
      delivery_id: col.text,
      state: col.text,
      status: DELIVERY_STATUS,
      attempts: col.number,
      max_attempts: col.number,
      run_after: col.time,
      last_status_code: col.number.nullable(),
      last_error: col.text.nullable(),
      created_at: col.time,
      delivered_at: col.time.nullable(),
    }),
    sql`SELECT delivery_id, state, status, attempts, max_attempts, run_after, last_status_code, last_error,
          created_at, delivered_at
        FROM webhook_deliveries WHERE submission_id = ${submissionId} ORDER BY id DESC LIMIT 20`,
  );
  return rows.map((r) => ({
    deliveryId: r.delivery_id,
    state: r.state,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.status === 'pending' ? r.run_after : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  }));
}

/** The host a submission's webhook goes to (its owner's page shows it; the path may hold a token). */
export async function webhookTarget(db: Db, submissionId: number): Promise<string | null> {
  const [row] = await queryRows(
    db,
    z.object({ webhook_url: col.text.nullable() }),
    sql`SELECT webhook_url FROM submissions WHERE id = ${submissionId}`,
  );
  return row?.webhook_url ?? null;
}
