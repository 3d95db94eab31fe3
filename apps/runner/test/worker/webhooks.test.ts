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
}

/** A real HTTP receiver on 127.0.0.1 that answers each POST with the next status of `script`. */
async function receiver(script: number[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = script[Math.min(received.length - 1, script.length - 1)] ?? 200;
      res.end('receiver says: not for the log');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/linkboard`;
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, received };
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
});
