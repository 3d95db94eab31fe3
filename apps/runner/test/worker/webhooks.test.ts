import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookPayloadSchema } from '@linkboard/core';
import {
  cancelSubmission,
  createSubmission,
  encryptSecret,
  loadSecretKey,
  newWebhookSecret,
  registerModel,
  webhookDeliveriesOf,
} from '@linkboard/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { deliverDueWebhooks, type WebhookSettings } from '../../src/worker/webhooks';
import { testPlatform } from '../helpers';

let platform: Awaited<ReturnType<typeof testPlatform>>;
let key: Buffer;
beforeAll(async () => {
  // LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=1 (testPlatform's default): the receiver is on 127.0.0.1.
  platform = await testPlatform({ LINKBOARD_SITE_URL: 'https://board.example.org/' });
  key = await loadSecretKey({ dataDir: platform.env.dataDir });
});
afterAll(() => platform.shutdown());

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the whole request had arrived, and when the reply was sent. */
  arrivedAt: number;
  answeredAt?: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 that answers each POST with the next status of `script`,
 * `delayMs` after it arrived (a slow receiver); `busiest` is the most requests it had at once.
 */
async function receiver(script: number[], options: { delayMs?: number } = {}) {
  const received: Received[] = [];
  let open = 0;
  const state = { received, busiest: 0, url: '' };
  const server = createServer((req, res) => {
    open++;
    state.busiest = Math.max(state.busiest, open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        arrivedAt: performance.now(),
      };
      received.push(entry);
      res.statusCode = script[Math.min(received.length - 1, script.length - 1)] ?? 200;
      setTimeout(() => {
        open--;
        entry.answeredAt = performance.now();
        res.end('receiver says: not for the log');
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/linkboard`;
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return state;
}
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  // Each test's deliveries are its own.
  await platform.database.pool.query('DELETE FROM webhook_deliveries');
});

/** Verifies a delivery as a receiver would, with node:crypto alone. */
function verified(secret: string, { headers, body }: Received): boolean {
  const timestamp = String(headers['x-linkboard-timestamp']);
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  const given = Buffer.from(String(headers['x-linkboard-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let models = 0;
/** A queued built-in submission whose webhook is `url`, with a fresh secret. */
async function submitWithWebhook(url: string) {
  const secret = newWebhookSecret();
  const { submissionId } = await createSubmission(platform.database.db, {
    modelId: await registerModel(platform.database.db, { name: `hooked-${++models}` }),
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    webhook: { url, sealedSecret: encryptSecret(key, secret) },
  });
  return { submissionId, secret };
}

const settings = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({
  policy: platform.env.endpoints,
  secretKey: key,
  siteUrl: platform.env.siteUrl,
  retryBaseMs: 0,
  ...overrides,
});

describe('webhook delivery', () => {
  it('announces a finished submission with a body signed over its timestamp', async () => {
    const hook = await receiver([200]);
    const { submissionId, secret } = await submitWithWebhook(hook.url);
    const log: string[] = [];
    await runRunner(
      platform.database,
      platform.env,
      { concurrency: 2, gpus: 'none', once: true, log: (line) => log.push(line) },
      new AbortController().signal,
    );
    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    if (!delivery) throw new Error('unreachable');
    expect(verified(secret, delivery)).toBe(true);
    // Another key, or the body without its timestamp, does not verify.
    expect(verified(newWebhookSecret(), delivery)).toBe(false);
    expect(
      verified(secret, {
        ...delivery,
        headers: { ...delivery.headers, 'x-linkboard-timestamp': '1' },
      }),
    ).toBe(false);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-linkboard-event']).toBe('submission.done');
    const body = WebhookPayloadSchema.parse(JSON.parse(delivery.body));
    expect(body).toMatchObject({
      event: 'submission.done',
      delivery_id: delivery.headers['x-linkboard-delivery'],
      submission_id: submissionId,
      status: 'done',
      model: 'hooked-1',
      url: `https://board.example.org/submissions/${submissionId}`,
      error: null,
    });
    expect(body.accuracy?.policies.map((p) => p.policy)).toEqual(['lcl']);
    expect(Object.keys(body.accuracy?.policies[0]?.per_shot ?? {})).toEqual(['2']);
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { state: 'done', status: 'delivered', attempts: 1, lastStatusCode: 200 },
    ]);
    // Neither the secret nor the receiver's reply reaches the log.
    expect(log.join('\n')).toContain(`webhook of submission ${submissionId}`);
    expect(log.join('\n')).not.toContain(secret);
    expect(log.join('\n')).not.toContain('not for the log');
  });

  it('retries a 500 with the same delivery id, and stops once it is delivered', async () => {
    const hook = await receiver([500, 200]);
    const { submissionId, secret } = await submitWithWebhook(hook.url);
    await cancelSubmission(platform.database.db, submissionId);
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(2);
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    if (!first || !second) throw new Error('unreachable');
    for (const delivery of hook.received) expect(verified(secret, delivery)).toBe(true);
    expect(second.headers['x-linkboard-delivery']).toBe(first.headers['x-linkboard-delivery']);
    expect(JSON.parse(second.body)).toMatchObject({ status: 'cancelled', accuracy: null });
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { state: 'cancelled', status: 'delivered', attempts: 2, lastStatusCode: 200 },
    ]);
  });

  it('gives up after its maximum number of attempts', async () => {
    const hook = await receiver([503]);
    const { submissionId } = await submitWithWebhook(hook.url);
    await cancelSubmission(platform.database.db, submissionId);
    await platform.database.pool.query('UPDATE webhook_deliveries SET max_attempts = 3');
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(3);
    expect(hook.received).toHaveLength(3);
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { status: 'failed', attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503' },
    ]);
    // Nothing is due any more.
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(0);
  });

  it('does not retry a receiver that refuses the delivery (4xx)', async () => {
    const hook = await receiver([401]);
    const { submissionId } = await submitWithWebhook(hook.url);
    await cancelSubmission(platform.database.db, submissionId);
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(1);
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { status: 'failed', attempts: 1, lastStatusCode: 401 },
    ]);
  });

  it('refuses a loopback webhook at delivery where private endpoints are not allowed', async () => {
    const hook = await receiver([200]);
    const { submissionId } = await submitWithWebhook(hook.url);
    await cancelSubmission(platform.database.db, submissionId);
    const strict = settings({ policy: { ...platform.env.endpoints, allowPrivate: false } });
    expect(await deliverDueWebhooks(platform.database.db, strict)).toBe(1);
    expect(hook.received).toHaveLength(0);
    const [row] = await webhookDeliveriesOf(platform.database.db, submissionId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
    expect(row?.lastError).toMatch(/^refused: webhook 127\.0\.0\.1:\d+ resolves to 127\.0\.0\.1/);
    expect(row?.lastError).toContain('LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=1');
  });

  it('does not hold a receiver’s delivery up behind a slow receiver', async () => {
    const SLOW_MS = 1_500;
    const slow = await receiver([200], { delayMs: SLOW_MS });
    const fast = await receiver([200]);
    // The slow receiver's delivery is due first, so it is claimed and sent first.
    const slowOne = await submitWithWebhook(slow.url);
    await cancelSubmission(platform.database.db, slowOne.submissionId);
    const fastOne = await submitWithWebhook(fast.url);
    await cancelSubmission(platform.database.db, fastOne.submissionId);

    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(2);
    const [slowDelivery] = slow.received;
    const [fastDelivery] = fast.received;
    if (!slowDelivery?.answeredAt || !fastDelivery) throw new Error('unreachable');
    // Sent one after the other, the fast receiver would hear only after the slow one answered.
    expect(slowDelivery.arrivedAt).toBeLessThan(fastDelivery.arrivedAt);
    expect(fastDelivery.arrivedAt).toBeLessThan(slowDelivery.answeredAt);
    expect(fastDelivery.answeredAt).toBeLessThan(slowDelivery.answeredAt);
    for (const { submissionId } of [slowOne, fastOne])
      expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
        { status: 'delivered', attempts: 1, lastStatusCode: 200 },
      ]);
  });

  it('sends one receiver its deliveries one at a time, each attempt counted once', async () => {
    const slow = await receiver([200], { delayMs: 300 });
    const fast = await receiver([200]);
    const slowOnes = [];
    for (let i = 0; i < 3; i++) {
      const one = await submitWithWebhook(slow.url);
      await cancelSubmission(platform.database.db, one.submissionId);
      slowOnes.push(one);
    }
    const fastOne = await submitWithWebhook(fast.url);
    await cancelSubmission(platform.database.db, fastOne.submissionId);

    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(4);
    expect(slow.received).toHaveLength(3);
    expect(slow.busiest).toBe(1);
    // The fast receiver did not wait for the slow one's queue either.
    const firstSlowAnswer = Math.min(...slow.received.map((r) => r.answeredAt ?? Infinity));
    expect(fast.received[0]?.arrivedAt).toBeLessThan(firstSlowAnswer);
    // Given back while their receiver was busy, they still count one attempt each.
    for (const { submissionId } of [...slowOnes, fastOne])
      expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
        { status: 'delivered', attempts: 1 },
      ]);
  });
});
