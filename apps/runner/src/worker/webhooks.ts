import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  backoffDelay,
  DEPRECATED_WEBHOOK_HEADERS,
  type EndpointPolicy,
  WEBHOOK_HEADERS,
  type WebhookPayload,
  webhookSignedContent,
} from '@linkboard/core';
import {
  claimWebhookDelivery,
  type Db,
  decryptSecret,
  finishWebhookDelivery,
  releaseWebhookDelivery,
  type WebhookDelivery,
  type WebhookOutcome,
} from '@linkboard/db';
import { request } from 'undici';
import { EndpointRefusedError, pinEndpoint } from '../adapters/guard';
import { rootMessage } from '../errors';
import { isQueueUnreachable } from './outage';

/**
 * Delivers the webhook outbox (packages/db `webhook_deliveries`): runners on the database claim
 * due rows one statement at a time, POST them signed, and record the outcome, retrying with
 * backoff. A loop of its own beside the job slots, so no job ever waits on a receiver; and a few
 * deliveries at once, one per receiver, so no receiver waits on another. Each is signed per the
 * Standard Webhooks specification (core's `WEBHOOK_HEADERS`), so receivers verify it with the
 * `standardwebhooks` library of their language instead of code of their own.
 */

export interface WebhookSettings {
  /** Which addresses a webhook may reach: the same policy as model endpoints. */
  policy: EndpointPolicy;
  /** The platform's key that encrypts stored secrets (AES-256-GCM). */
  secretKey: Buffer;
  /** The site's public base URL: the payload links to the submission's page there. */
  siteUrl: string;
  /** Per attempt, the whole request (default 10 s). */
  timeoutMs?: number;
  /** The first retry's delay; doubled each attempt up to `retryCapMs` (defaults 30 s, 1 h). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** How long a claim lasts before another runner may take the delivery over (default 60 s). */
  leaseMs?: number;
  /**
   * Deliveries in flight at once, across receivers (default 4); each receiver (scheme, host and
   * port) gets one at a time, so a slow one holds up only its own.
   */
  concurrency?: number;
  random?: () => number;
  /** Unix seconds for the timestamp header (tests pin it). */
  nowSeconds?: () => number;
}

/**
 * The HMAC key a webhook secret stands for: the bytes that its base64 after `whsec_` encodes, which
 * is how every Standard Webhooks library reads a secret. Secrets are made as standard base64
 * (`newWebhookSecret`); those made before, in base64url, encode their 32 random bytes the same way
 * in the other alphabet, and Node's base64 decoder takes both alphabets with or without padding,
 * so they sign with the key they always stood for. Throws on anything else, naming no part of it.
 */
export function webhookKey(secret: string): Buffer {
  const encoded = /^whsec_([A-Za-z0-9+/_-]+={0,2})$/.exec(secret)?.[1];
  const key = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
  if (!key || key.length === 0) throw new Error('not a whsec_ webhook secret');
  return key;
}

/**
 * `webhook-signature` (Standard Webhooks): `v1,<base64 HMAC-SHA256>` keyed with `webhookKey` over
 * `<id>.<timestamp>.<body>`, the id and timestamp being the headers sent with it.
 */
export function webhookSignature(key: Buffer, id: string, timestamp: string, body: string): string {
  const mac = createHmac('sha256', key).update(webhookSignedContent(id, timestamp, body));
  return `v1,${mac.digest('base64')}`;
}

/**
 * The deprecated `x-linkboard-signature`, exactly as before Standard Webhooks, for receivers that
 * still check it: `sha256=<hex>` of HMAC-SHA256 keyed with the secret's text over
 * `<timestamp>.<body>`. Goes with `DEPRECATED_WEBHOOK_HEADERS` in the next release.
 */
function deprecatedWebhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body of a delivery, exactly as sent and signed. */
export function webhookBody(delivery: WebhookDelivery, siteUrl: string): string {
  const body: WebhookPayload = {
    event: `submission.${delivery.payload.status}`,
    delivery_id: delivery.deliveryId,
    ...delivery.payload,
    url: new URL(`/submissions/${delivery.submissionId}`, siteUrl).href,
  };
  return JSON.stringify(body);
}

/** Receiver replies worth another attempt: it may answer differently later. */
const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * One attempt: checks the URL against the policy again and pins the address it resolved to (a DNS
 * answer that changed since the submission cannot redirect the POST), sends, and classifies the
 * reply. Never throws; the outcome's error holds no secret and no reply body. Every attempt of a
 * delivery carries its `delivery_id` as `webhook-id` and is signed afresh with the time it is sent,
 * so a retry is neither a new message to the receiver nor refused as a replay.
 */
export async function sendWebhook(
  delivery: WebhookDelivery,
  settings: WebhookSettings,
  signal?: AbortSignal,
): Promise<WebhookOutcome> {
  const retryDelay = () =>
    backoffDelay(delivery.attempt - 1, {
      baseMs: settings.retryBaseMs ?? 30_000,
      capMs: settings.retryCapMs ?? 3_600_000,
      jitter: 'equal',
      random: settings.random ?? Math.random,
    });
  let secret: string;
  try {
    secret = decryptSecret(settings.secretKey, delivery.sealedSecret);
  } catch {
    return {
      ok: false,
      retryable: false,
      error: "the webhook secret cannot be decrypted with this platform's LINKBOARD_SECRET_KEY",
    };
  }
  let key: Buffer;
  try {
    key = webhookKey(secret);
  } catch {
    // The platform makes every secret; one that is not whsec_ base64 was not made by it.
    return {
      ok: false,
      retryable: false,
      error: 'the webhook secret is not a whsec_ key (base64 after whsec_)',
    };
  }
  let pinned: Awaited<ReturnType<typeof pinEndpoint>>;
  try {
    pinned = await pinEndpoint(delivery.url, settings.policy);
  } catch (error) {
    if (error instanceof EndpointRefusedError) {
      // A name that does not resolve now may resolve later; a policy refusal will not change.
      const transient = /cannot be resolved/.test(error.message);
      return {
        ok: false,
        retryable: transient,
        error: `refused: ${error.message.replace(/^endpoint /, 'webhook ')}`,
        delayMs: retryDelay(),
      };
    }
    return { ok: false, retryable: true, error: rootMessage(error), delayMs: retryDelay() };
  }
  const body = webhookBody(delivery, settings.siteUrl);
  const timestamp = String(Math.floor(settings.nowSeconds?.() ?? Date.now() / 1000));
  const timeout = AbortSignal.timeout(settings.timeoutMs ?? 10_000);
  try {
    const reply = await request(pinned.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'linkboard-webhook',
        [WEBHOOK_HEADERS.id]: delivery.deliveryId,
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: webhookSignature(key, delivery.deliveryId, timestamp, body),
        // Deprecated, for one release: receivers written against linkboard's own headers keep
        // working until they verify the standard ones.
        [DEPRECATED_WEBHOOK_HEADERS.signature]: deprecatedWebhookSignature(secret, timestamp, body),
        [DEPRECATED_WEBHOOK_HEADERS.timestamp]: timestamp,
        [DEPRECATED_WEBHOOK_HEADERS.delivery]: delivery.deliveryId,
        [DEPRECATED_WEBHOOK_HEADERS.event]: `submission.${delivery.payload.status}`,
      },
      dispatcher: pinned.dispatcher,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    // The receiver's words are not ours to store: only its status is kept.
    await reply.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const status = reply.statusCode;
    if (status >= 200 && status < 300) return { ok: true, statusCode: status };
    const why =
      status >= 300 && status < 400
        ? `HTTP ${status} (redirects are not followed)`
        : `HTTP ${status}`;
    return {
      ok: false,
      retryable: retryableStatus(status),
      statusCode: status,
      error: why,
      delayMs: retryDelay(),
    };
  } catch (error) {
    const why = timeout.aborted
      ? `timeout: no reply within ${settings.timeoutMs ?? 10_000} ms`
      : `network: ${rootMessage(error)}`;
    return { ok: false, retryable: true, error: why, delayMs: retryDelay() };
  } finally {
    await pinned.dispatcher.close().catch(() => {});
  }
}

/** Deliveries in flight at once, across receivers (each receiver has one at a time). */
const DEFAULT_CONCURRENCY = 4;
/** While deliveries are out and nothing else is claimable, how often to look for newly due rows. */
const RECHECK_MS = 1_000;

/**
 * The receiver a delivery goes to, for its lane: scheme, host and port (`https://a.example:8443`).
 * Deliveries to one receiver go one at a time; different receivers' go side by side.
 */
function receiverOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Claims and sends due deliveries until none is due (or `signal` aborts): up to `concurrency`
 * (settings, default 4) at once, and at most one at a time to each receiver, so a slow receiver
 * holds up its own deliveries only, never another's. A delivery claimed while its receiver is
 * busy is given back at once (the attempt does not count) and claimed again once the receiver is
 * free. Each delivery keeps its own timeout, retry with backoff, signature and pinned address
 * (`sendWebhook`). Every claimed row is settled: its outcome recorded, or given back untouched
 * when the runner is stopping mid-send. Returns how many attempts were made.
 */
export async function deliverDueWebhooks(
  db: Db,
  settings: WebhookSettings,
  options: { signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<number> {
  const concurrency = Math.max(1, settings.concurrency ?? DEFAULT_CONCURRENCY);
  /** The delivery in flight to each receiver, settled (never rejected) once its outcome is written. */
  const lanes = new Map<string, Promise<void>>();
  /** Rows given back because their receiver was busy: seen again means nothing else is due. */
  const deferred = new Set<number>();
  /** What went wrong writing an outcome (the database): no more is claimed, and it is thrown. */
  const failures: unknown[] = [];
  let attempts = 0;
  /** Until a delivery settles (its receiver is free again), or a short while passes. */
  async function somethingSettles(): Promise<void> {
    const timer = new AbortController();
    await Promise.race([
      ...lanes.values(),
      delay(RECHECK_MS, undefined, { signal: timer.signal }).catch(() => {}),
    ]);
    timer.abort();
  }

  async function deliver(delivery: WebhookDelivery): Promise<void> {
    let outcome: WebhookOutcome | undefined;
    try {
      outcome = await sendWebhook(delivery, settings, options.signal);
    } finally {
      if (options.signal?.aborted || !outcome) await releaseWebhookDelivery(db, delivery);
      else {
        const status = await finishWebhookDelivery(db, delivery, outcome);
        options.log?.(
          `webhook of submission ${delivery.submissionId} (delivery ${delivery.deliveryId}, attempt ${delivery.attempt}): ${
            outcome.ok ? `delivered (HTTP ${outcome.statusCode})` : `${outcome.error}; ${status}`
          }`,
        );
      }
    }
  }

  try {
    while (!options.signal?.aborted && failures.length === 0) {
      if (lanes.size >= concurrency) {
        await somethingSettles();
        continue;
      }
      const delivery = await claimWebhookDelivery(db, { leaseMs: settings.leaseMs ?? 60_000 });
      if (!delivery) {
        // Nothing due now; what is out may make more due (a retry), and rows fall due meanwhile.
        if (lanes.size === 0) break;
        await somethingSettles();
        continue;
      }
      const receiver = receiverOf(delivery.url);
      if (lanes.has(receiver)) {
        // Its receiver is busy: give it back (to the end of the due rows) and take the next.
        await releaseWebhookDelivery(db, delivery);
        if (deferred.has(delivery.id)) await somethingSettles();
        deferred.add(delivery.id);
        continue;
      }
      deferred.delete(delivery.id);
      attempts++;
      const sending = deliver(delivery)
        .catch((error: unknown) => {
          failures.push(error);
        })
        .finally(() => lanes.delete(receiver));
      lanes.set(receiver, sending);
    }
  } finally {
    await Promise.all(lanes.values());
  }
  if (failures.length > 0) throw failures[0];
  return attempts;
}

/**
 * The runner's delivery loop: sends what is due, then looks again every `pollMs` (2 s), until
 * `stop`. A database outage is waited out quietly; the job slots report it.
 */
export async function runWebhookDeliveries(
  db: Db,
  settings: WebhookSettings,
  options: { stop: AbortSignal; log: (line: string) => void; pollMs?: number },
): Promise<void> {
  while (!options.stop.aborted) {
    try {
      await deliverDueWebhooks(db, settings, { signal: options.stop, log: options.log });
    } catch (error) {
      if (!isQueueUnreachable(error) && !options.stop.aborted)
        options.log(`webhook delivery: ${rootMessage(error)}`);
    }
    await delay(options.pollMs ?? 2_000, undefined, { signal: options.stop }).catch(() => {});
  }
}
