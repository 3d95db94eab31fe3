import { describe, expect, it } from 'vitest';
import {
  cancelSubmission,
  claimJob,
  claimWebhookDelivery,
  failJob,
  finishWebhookDelivery,
  releaseWebhookDelivery,
  retrySubmission,
  webhookDeliveriesOf,
} from '../../src';
import { jobFinisher, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const webhook = { url: 'https://hooks.example.org/linkboard', sealedSecret: 'v1.sealed.key.x' };

type Pool = Awaited<ReturnType<typeof freshDatabase>>['pool'];

const deliveries = async (pool: Pool, submissionId: number) =>
  (
    await pool.query(
      'SELECT state, status, attempts, payload FROM webhook_deliveries WHERE submission_id = $1 ORDER BY id',
      [submissionId],
    )
  ).rows;

describe('the webhook outbox', () => {
  it('gets a row in the transaction that finishes a submission, with its accuracy', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { webhook, shardSize: 3 });
    const finish = await jobFinisher(db, seeded, { shots: [2, 4] });
    let lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    while (lease) {
      // Not before the last job: only a final state is announced.
      expect(await deliveries(pool, seeded.submissionId)).toEqual([]);
      const { submissionDone } = await finish(db, lease);
      lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
      expect(submissionDone).toBe(lease === null);
    }
    const rows = await deliveries(pool, seeded.submissionId);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ state: 'done', status: 'pending', attempts: 0 });
    expect(row.payload).toMatchObject({
      submission_id: seeded.submissionId,
      status: 'done',
      model: 'model-a',
      error: null,
      accuracy: { scorer: 'strict', policies: [{ policy: 'lcl' }] },
    });
    expect(row.payload.benchmark).toMatch(/@/);
    const [lcl] = row.payload.accuracy.policies;
    expect(lcl.n).toBe(seeded.episodes);
    expect(lcl.accuracy).toBeCloseTo(lcl.correct / lcl.n);
    expect(Object.keys(lcl.per_shot).sort()).toEqual(['2', '4']);
  });

  it('writes nothing for a submission without a webhook', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db);
    const finish = await jobFinisher(db, seeded, { shots: [2, 4] });
    for (let lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 }); lease; ) {
      await finish(db, lease);
      lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM webhook_deliveries');
    expect(rows[0].n).toBe(0);
  });

  it('announces a cancellation once, and the final state of each retry again', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { webhook });
    expect(await cancelSubmission(db, seeded.submissionId)).toBe(true);
    // Cancelling what is cancelled changes nothing, so announces nothing.
    expect(await cancelSubmission(db, seeded.submissionId)).toBe(false);
    expect(await deliveries(pool, seeded.submissionId)).toMatchObject([
      { state: 'cancelled', payload: { status: 'cancelled', accuracy: null } },
    ]);
    expect(await retrySubmission(db, seeded.submissionId)).toBe(true);
    const lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    if (!lease) throw new Error('no job to claim');
    await failJob(db, lease, { error: 'HTTP 401', errorClass: 'client-error', retryable: false });
    expect(await deliveries(pool, seeded.submissionId)).toMatchObject([
      { state: 'cancelled' },
      { state: 'failed', payload: { status: 'failed', error: 'client-error: HTTP 401' } },
    ]);
  });

  it('is claimed one row per claim, retried after its delay, and delivered once', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { webhook });
    await cancelSubmission(db, seeded.submissionId);

    const first = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    expect(first).toMatchObject({
      submissionId: seeded.submissionId,
      attempt: 1,
      maxAttempts: 8,
      url: webhook.url,
      sealedSecret: webhook.sealedSecret,
      payload: { status: 'cancelled' },
    });
    if (!first) throw new Error('unreachable');
    // Held: no one else gets it.
    expect(await claimWebhookDelivery(db, { leaseMs: 60_000 })).toBeNull();
    // A stale lease records nothing.
    expect(
      await finishWebhookDelivery(
        db,
        { id: first.id, leaseToken: '00000000-0000-4000-8000-000000000000' },
        { ok: true, statusCode: 200 },
      ),
    ).toBeNull();

    // A 500, retried after a minute: not due now.
    expect(
      await finishWebhookDelivery(db, first, {
        ok: false,
        retryable: true,
        statusCode: 500,
        error: 'HTTP 500',
        delayMs: 60_000,
      }),
    ).toBe('pending');
    expect(await claimWebhookDelivery(db, { leaseMs: 60_000 })).toBeNull();
    await pool.query("UPDATE webhook_deliveries SET run_after = now() - interval '1 second'");

    const second = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    expect(second).toMatchObject({ id: first.id, deliveryId: first.deliveryId, attempt: 2 });
    if (!second) throw new Error('unreachable');
    expect(await finishWebhookDelivery(db, second, { ok: true, statusCode: 204 })).toBe(
      'delivered',
    );
    expect(await claimWebhookDelivery(db, { leaseMs: 60_000 })).toBeNull();
    const [shown] = await webhookDeliveriesOf(db, seeded.submissionId);
    expect(shown).toMatchObject({
      deliveryId: first.deliveryId,
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 204,
      lastError: null,
    });
    expect(shown?.deliveredAt).toBeInstanceOf(Date);
  });

  it('gives up after its last attempt, and at once on a refusal not worth retrying', async () => {
    const { db, pool } = await freshDatabase();
    const a = await seedSubmission(db, { webhook, model: 'model-a' });
    await cancelSubmission(db, a.submissionId);
    await pool.query('UPDATE webhook_deliveries SET max_attempts = 2');
    for (const expected of ['pending', 'failed']) {
      const claimed = await claimWebhookDelivery(db, { leaseMs: 60_000 });
      if (!claimed) throw new Error('nothing claimed');
      expect(
        await finishWebhookDelivery(db, claimed, {
          ok: false,
          retryable: true,
          error: 'network: ECONNREFUSED',
        }),
      ).toBe(expected);
    }
    expect(await claimWebhookDelivery(db, { leaseMs: 60_000 })).toBeNull();

    const b = await seedSubmission(db, { webhook, model: 'model-b' });
    await cancelSubmission(db, b.submissionId);
    const claimed = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    if (!claimed) throw new Error('nothing claimed');
    expect(
      await finishWebhookDelivery(db, claimed, {
        ok: false,
        retryable: false,
        statusCode: 404,
        error: 'HTTP 404',
      }),
    ).toBe('failed');
    expect(await webhookDeliveriesOf(db, b.submissionId)).toMatchObject([
      { status: 'failed', attempts: 1, lastStatusCode: 404, lastError: 'HTTP 404' },
    ]);
  });

  it('is released without spending an attempt, and taken over when its claimer dies', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { webhook });
    await cancelSubmission(db, seeded.submissionId);
    const claimed = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    if (!claimed) throw new Error('nothing claimed');
    await releaseWebhookDelivery(db, claimed);
    const again = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    expect(again).toMatchObject({ id: claimed.id, attempt: 1 });

    // Its claimer stops answering: the lease runs out and another runner takes it over.
    await pool.query(
      "UPDATE webhook_deliveries SET lease_expires_at = now() - interval '1 second'",
    );
    const taken = await claimWebhookDelivery(db, { leaseMs: 60_000 });
    expect(taken).toMatchObject({ id: claimed.id, attempt: 2 });
    if (!again || !taken) throw new Error('unreachable');
    expect(await finishWebhookDelivery(db, again, { ok: true, statusCode: 200 })).toBeNull();

    // Dying on the last attempt fails the row rather than leaving it delivering for ever.
    await pool.query(
      "UPDATE webhook_deliveries SET max_attempts = 2, lease_expires_at = now() - interval '1 second'",
    );
    expect(await claimWebhookDelivery(db, { leaseMs: 60_000 })).toBeNull();
    expect(await webhookDeliveriesOf(db, seeded.submissionId)).toMatchObject([
      { status: 'failed', lastError: 'the runner stopped during the last attempt' },
    ]);
  });

  it('hands concurrent claimers different rows', async () => {
    const { db } = await freshDatabase({ max: 4 });
    for (const model of ['m1', 'm2', 'm3']) {
      const seeded = await seedSubmission(db, { webhook, model });
      await cancelSubmission(db, seeded.submissionId);
    }
    const claims = await Promise.all(
      [1, 2, 3, 4].map(() => claimWebhookDelivery(db, { leaseMs: 60_000 })),
    );
    const ids = claims.flatMap((c) => (c ? [c.id] : []));
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});
