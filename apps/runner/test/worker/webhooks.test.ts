import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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
  /** With a `secret`: the `standardwebhooks` library's verdict, its parsed payload or its error. */
  verified?: unknown;
  rejected?: string;
}

/** A request's headers as the `standardwebhooks` library takes them (single values). */
const headersOf = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );

/**
 * A real HTTP receiver on 127.0.0.1 that answers each POST with the next status of `script`,
 * `delayMs` after it arrived (a slow receiver); `busiest` is the most requests it had at once.
 * Once `secret` is set it is the receiver the README shows: it verifies each delivery with the
 * `standardwebhooks` library, `new Webhook(secret).verify(body, headers)`, and answers 401 to one
 * the library refuses.
 */
async function receiver(script: number[], options: { delayMs?: number } = {}) {
  const received: Received[] = [];
  let open = 0;
  const state = { received, busiest: 0, url: '', secret: undefined as string | undefined };
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
      if (state.secret !== undefined) {
        try {
          entry.verified = new Webhook(state.secret).verify(entry.body, headersOf(req.headers));
        } catch (error) {
          entry.rejected = (error as Error).message;
          res.statusCode = 401;
        }
      }
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
  vi.useRealTimers();
  await Promise.all(closers.splice(0).map((close) => close()));
  // Each test's deliveries are its own.
  await platform.database.pool.query('DELETE FROM webhook_deliveries');
});

/** What the `standardwebhooks` library makes of a delivery with `secret`: its payload, or throws. */
const verify = (secret: string, { headers, body }: Pick<Received, 'headers' | 'body'>) =>
  new Webhook(secret).verify(body, headersOf(headers));

/** Verifies the deprecated `x-linkboard-signature` as a receiver written for it does. */
function legacyVerified(secret: string, { headers, body }: Received): boolean {
  const timestamp = String(headers['x-linkboard-timestamp']);
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  const given = Buffer.from(String(headers['x-linkboard-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let models = 0;
/** A queued built-in submission whose webhook is `url`, with `secret` (default a fresh one). */
async function submitWithWebhook(url: string, secret = newWebhookSecret()) {
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

/** A cancelled submission: its delivery is due at once, without running anything. */
async function cancelledWithWebhook(url: string, secret?: string) {
  const submitted = await submitWithWebhook(url, secret);
  await cancelSubmission(platform.database.db, submitted.submissionId);
  return submitted;
}

const settings = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({
  policy: platform.env.endpoints,
  secretKey: key,
  siteUrl: platform.env.siteUrl,
  retryBaseMs: 0,
  ...overrides,
});

const TEN_MINUTES_S = 600;

describe('webhook delivery', () => {
  it('announces a finished submission, signed per Standard Webhooks: the standardwebhooks library verifies it', async () => {
    const hook = await receiver([200]);
    const { submissionId, secret } = await submitWithWebhook(hook.url);
    // As shown to the submitter: what the library takes as it is, 32 bytes in standard base64.
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    hook.secret = secret;
    const log: string[] = [];
    const sentAt = Math.floor(Date.now() / 1000);
    await runRunner(
      platform.database,
      platform.env,
      { concurrency: 2, gpus: 'none', once: true, log: (line) => log.push(line) },
      new AbortController().signal,
    );
    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    if (!delivery) throw new Error('unreachable');
    // The receiver's library verified it (or it would have answered 401), and parsed the body.
    expect(delivery.rejected).toBeUndefined();
    expect(delivery.verified).toEqual(JSON.parse(delivery.body));
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { state: 'done', status: 'delivered', attempts: 1, lastStatusCode: 200 },
    ]);
    // The three standard headers: the delivery id, the time it was sent, one v1 signature.
    const body = WebhookPayloadSchema.parse(JSON.parse(delivery.body));
    expect(delivery.headers['webhook-id']).toBe(body.delivery_id);
    const timestamp = Number(delivery.headers['webhook-timestamp']);
    expect(String(timestamp)).toMatch(/^\d+$/);
    expect(Math.abs(timestamp - sentAt)).toBeLessThan(60);
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(delivery.headers['content-type']).toBe('application/json');

    // The library refuses a tampered body, another secret, and the same delivery replayed later.
    const tampered = delivery.body.replace('"status":"done"', '"status":"failed"');
    expect(tampered).not.toBe(delivery.body);
    expect(() => verify(secret, { ...delivery, body: tampered })).toThrow(
      'No matching signature found',
    );
    expect(() => verify(newWebhookSecret(), delivery)).toThrow('No matching signature found');
    // A timestamp is signed: moving it moves the signature out of reach.
    expect(() =>
      verify(secret, {
        ...delivery,
        headers: { ...delivery.headers, 'webhook-timestamp': String(timestamp - 1) },
      }),
    ).toThrow('No matching signature found');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((timestamp + TEN_MINUTES_S) * 1000);
    expect(() => verify(secret, delivery)).toThrow('Message timestamp too old');
    vi.useRealTimers();
    expect(verify(secret, delivery)).toEqual(JSON.parse(delivery.body));

    expect(body).toMatchObject({
      event: 'submission.done',
      submission_id: submissionId,
      status: 'done',
      model: 'hooked-1',
      url: `https://board.example.org/submissions/${submissionId}`,
      error: null,
    });
    expect(body.accuracy?.policies.map((p) => p.policy)).toEqual(['lcl']);
    expect(Object.keys(body.accuracy?.policies[0]?.per_shot ?? {})).toEqual(['2']);

    // linkboard's own headers, deprecated, still come for one release, checkable as before.
    expect(legacyVerified(secret, delivery)).toBe(true);
    expect(legacyVerified(newWebhookSecret(), delivery)).toBe(false);
    expect(delivery.headers['x-linkboard-timestamp']).toBe(String(timestamp));
    expect(delivery.headers['x-linkboard-delivery']).toBe(body.delivery_id);
    expect(delivery.headers['x-linkboard-event']).toBe('submission.done');

    // Neither the secret nor the receiver's reply reaches the log.
    expect(log.join('\n')).toContain(`webhook of submission ${submissionId}`);
    expect(log.join('\n')).not.toContain(secret);
    expect(log.join('\n')).not.toContain('not for the log');
  });

  it('sends a timestamp 10 minutes old only from a slow clock, and the receiver refuses it', async () => {
    const hook = await receiver([200]);
    const { submissionId, secret } = await cancelledWithWebhook(hook.url);
    hook.secret = secret;
    // A runner whose clock is 10 minutes behind signs what a replay would look like.
    const behind = settings({ nowSeconds: () => Date.now() / 1000 - TEN_MINUTES_S });
    expect(await deliverDueWebhooks(platform.database.db, behind)).toBe(1);
    const [delivery] = hook.received;
    if (!delivery) throw new Error('unreachable');
    expect(delivery.rejected).toBe('Message timestamp too old');
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { status: 'failed', attempts: 1, lastStatusCode: 401, lastError: 'HTTP 401' },
    ]);
    // Signed correctly all the same: only its age is refused.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Number(delivery.headers['webhook-timestamp']) * 1000);
    expect(verify(secret, delivery)).toEqual(JSON.parse(delivery.body));
  });

  it('retries a 500 with the same webhook-id, each attempt signed afresh, and stops once delivered', async () => {
    const hook = await receiver([500, 200]);
    const { submissionId, secret } = await cancelledWithWebhook(hook.url);
    hook.secret = secret;
    // The retry is sent a second later by the runner's clock (the backoff is 0 here).
    let sends = 0;
    const clock = settings({ nowSeconds: () => Date.now() / 1000 + sends++ });
    expect(await deliverDueWebhooks(platform.database.db, clock)).toBe(2);
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    if (!first || !second) throw new Error('unreachable');
    // Both verified by the library (the first was answered 500 by the script, not refused).
    for (const delivery of hook.received) {
      expect(delivery.rejected).toBeUndefined();
      expect(legacyVerified(secret, delivery)).toBe(true);
    }
    // One message to the receiver, sent twice: the id is the same, the timestamp each send's.
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(JSON.parse(second.body).delivery_id).toBe(first.headers['webhook-id']);
    expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThan(
      Number(first.headers['webhook-timestamp']),
    );
    expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(JSON.parse(second.body)).toMatchObject({ status: 'cancelled', accuracy: null });
    expect(await webhookDeliveriesOf(platform.database.db, submissionId)).toMatchObject([
      { state: 'cancelled', status: 'delivered', attempts: 2, lastStatusCode: 200 },
    ]);
  });

  it('signs for a secret made before, in base64url, with the bytes it encodes', async () => {
    // Secrets used to be base64url: make one with a - or _, which the library refuses as it is.
    let encoded: string;
    do encoded = randomBytes(32).toString('base64url');
    while (!/[-_]/.test(encoded));
    const old = `whsec_${encoded}`;
    expect(() => new Webhook(old)).toThrow('incorrect characters');
    const hook = await receiver([200]);
    // The receiver's one-time rewrite of such a secret (README): the same 32 bytes, base64.
    hook.secret = `whsec_${Buffer.from(encoded, 'base64url').toString('base64')}`;
    const { submissionId } = await cancelledWithWebhook(hook.url, old);
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(1);
    const [delivery] = hook.received;
    if (!delivery) throw new Error('unreachable');
    expect(delivery.rejected).toBeUndefined();
    expect(delivery.verified).toMatchObject({ submission_id: submissionId });
    // The deprecated signature is keyed with the secret's text, as it always was.
    expect(legacyVerified(old, delivery)).toBe(true);
  });

  it('fails a delivery whose secret is not a whsec_ key, sending nothing and naming none of it', async () => {
    const hook = await receiver([200]);
    const { submissionId } = await cancelledWithWebhook(hook.url, 'not-a-whsec-key-at-all');
    expect(await deliverDueWebhooks(platform.database.db, settings())).toBe(1);
    expect(hook.received).toHaveLength(0);
    const [row] = await webhookDeliveriesOf(platform.database.db, submissionId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
    expect(row?.lastError).toBe('the webhook secret is not a whsec_ key (base64 after whsec_)');
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
