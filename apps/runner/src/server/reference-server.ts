import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAiImageTokens, Prng, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '@linkboard/core';
import sharp from 'sharp';
import { z } from 'zod';
import {
  type AnswerKey,
  type Baseline,
  createBaseline,
  type FamiliarOf,
  FeatureCache,
  isReferenceModel,
  REFERENCE_MODELS,
  type ReferenceModelName,
} from '../baselines';
import {
  type ChatMessage,
  decodeDataUrl,
  RequestError,
  readModelInput,
} from '../baselines/request';

export const FAULT_KINDS = [
  '429',
  '500',
  '503',
  'reset',
  'truncated',
  'malformed',
  'empty',
  'stall',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ReferenceServerOptions {
  port: number;
  host?: string;
  /** Added before every reply (benchmarks). */
  latencyMs?: number;
  /** The fraction of chat requests that fail, each in one of the ways real servers fail. */
  faults?: number;
  faultSeed?: number;
  /** How long a `stall` fault holds a request before dropping it (longer than a client's timeout). */
  stallMs?: number;
  familiarOf: FamiliarOf;
  /**
   * More names for the baselines (`{"Qwen/Qwen2-VL-7B-Instruct": "prototype"}`), as vLLM's
   * `--served-model-name` would name a checkpoint: a stand-in for a model server in tests.
   */
  servedAs?: Readonly<Record<string, ReferenceModelName>>;
  /** The lookup model's answer key (see `answerKeyOf`); empty: it only guesses. */
  answerKey?: AnswerKey;
  /** Refuse a request with more images than this, as vLLM does past its per-prompt limit. */
  maxImagesPerPrompt?: number;
  /** Where to report faults and bad requests (one line each). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** Base URL of the OpenAI-compatible API, ending in /v1. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
]);
const ChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.union([z.string(), z.array(PartSchema)]),
      }),
    )
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});

const MAX_BODY_BYTES = 64 << 20;

/** The `system_fingerprint` its replies carry: which reference server answered. */
export const SYSTEM_FINGERPRINT = 'linkboard-reference-1';

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  headers?: Record<string, string>,
) {
  sendJson(res, status, { error: { message, type, code: null } }, headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new RequestError(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Pieces of text as a byte-pair tokenizer makes them from English, near enough: a word (one
// piece per 8 letters of a long one), up to three digits, or any other symbol on its own.
const TEXT_PIECE = /(\p{L}+)|\p{N}{1,3}|[^\s\p{L}\p{N}]/gu;
const LETTERS_PER_PIECE = 8;

/**
 * Tokens in a text, counted by splitting it into words, numbers and symbols: this server's
 * stand-in for a model's tokenizer. Deliberately not core's characters-over-four estimate, so
 * that comparing an estimate with what this server reports tests the estimate.
 */
export function textTokens(text: string): number {
  let tokens = 0;
  for (const [, word] of text.matchAll(TEXT_PIECE))
    tokens += word ? Math.ceil(word.length / LETTERS_PER_PIECE) : 1;
  return tokens;
}

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

/**
 * An image's width and height from its header, for the formats benchmarks hold (PNG, JPEG,
 * WebP), or null when it is none of them or its header is cut short. Reading a few bytes is much
 * cheaper than decoding, and a busy benchmark sends thousands of images a second.
 */
export function headerSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (width: number, height: number) =>
    width > 0 && height > 0 ? { width, height } : null;
  // PNG: an 8-byte signature, then the IHDR chunk, whose data opens with the width and height.
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && ascii(bytes, 12, 4) === 'IHDR')
    return size(view.getUint32(16), view.getUint32(20));
  // JPEG: segments follow the start marker; the first start-of-frame holds the size.
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 <= bytes.length) {
      if (bytes[at] !== 0xff) return null;
      const marker = bytes[at + 1] as number;
      // SOF0 to SOF15, less the three markers in that range that are not frames (DHT, JPG, DAC).
      const frame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
      if (frame) return size(view.getUint16(at + 7), view.getUint16(at + 5));
      // A fill byte before a marker; markers that stand alone; or a segment and its length.
      if (marker === 0xff) at += 1;
      else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) at += 2;
      else at += 2 + view.getUint16(at + 2);
    }
    return null;
  }
  // WebP: a RIFF container whose first chunk is a lossy, lossless or extended bitstream.
  if (bytes.length >= 30 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    const chunk = ascii(bytes, 12, 4);
    if (chunk === 'VP8 ')
      return size(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
    if (chunk === 'VP8L') {
      const bits = view.getUint32(21, true);
      return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    if (chunk === 'VP8X') {
      const u24 = (at: number) => view.getUint16(at, true) + ((bytes[at + 2] as number) << 16);
      return size(u24(24) + 1, u24(27) + 1);
    }
  }
  return null;
}

/** An image's size: from its header, or for a format `headerSize` does not read, from sharp. */
async function imageSize(bytes: Uint8Array, n: number): Promise<{ width: number; height: number }> {
  const fromHeader = headerSize(bytes);
  if (fromHeader) return fromHeader;
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  if (meta?.width && meta.height) return { width: meta.width, height: meta.height };
  // A vision model's server refuses what it cannot decode rather than guessing its size.
  throw new RequestError(`image ${n} could not be read as an image`);
}

/**
 * Prompt tokens as a vision model served behind an OpenAI-compatible API reports them: each
 * message's text by `textTokens` and its framing, and each image by OpenAI's high-detail tile
 * rule on the size it was actually sent at (orientation aside: the rule is the same either way).
 */
async function promptTokens(messages: readonly ChatMessage[]): Promise<number> {
  let tokens = TOKENS_PER_REPLY;
  let images = 0;
  for (const message of messages) {
    tokens += TOKENS_PER_MESSAGE;
    if (typeof message.content === 'string') {
      tokens += textTokens(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') tokens += textTokens(part.text);
      else {
        const { width, height } = await imageSize(decodeDataUrl(part.image_url.url), ++images);
        tokens += openAiImageTokens(width, height);
      }
    }
  }
  return tokens;
}

/**
 * `linkboard reference-server`: an OpenAI-compatible server (GET /v1/models, POST
 * /v1/chat/completions) that serves the built-in baselines as models. It accepts what a vLLM or
 * OpenAI server accepts, reads images from data URLs, reports usage as a vision model would (see
 * `promptTokens`), and can fail on purpose (`faults`) in the ways real servers fail, so that
 * clients' retries are tested against real HTTP.
 */
export async function startReferenceServer(
  options: ReferenceServerOptions,
): Promise<RunningServer> {
  const cache = new FeatureCache();
  // One instance per model for the server's life: stateful-prototype's memory spans every request.
  const baselines = new Map(
    REFERENCE_MODELS.map((name) => [
      name,
      createBaseline(name, options.familiarOf, cache, options.answerKey),
    ]),
  );
  const servedAs = new Map(Object.entries(options.servedAs ?? {}));
  const served = [...servedAs.keys(), ...REFERENCE_MODELS];
  const faultRng = Prng.fromKey(`reference-server-faults|${options.faultSeed ?? 1}`);
  const created = Math.floor(Date.now() / 1000);
  const log = options.log ?? (() => {});

  async function chat(req: IncomingMessage, res: ServerResponse) {
    let parsed: z.infer<typeof ChatRequestSchema>;
    try {
      const result = ChatRequestSchema.safeParse(JSON.parse(await readBody(req)));
      if (!result.success) {
        const problem = result.error.issues
          .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ');
        return sendError(res, 400, `invalid request: ${problem}`, 'invalid_request_error');
      }
      parsed = result.data;
    } catch (error) {
      return sendError(
        res,
        400,
        `invalid request: ${(error as Error).message}`,
        'invalid_request_error',
      );
    }
    const model = servedAs.get(parsed.model) ?? parsed.model;
    if (!isReferenceModel(model)) {
      return sendError(
        res,
        404,
        `The model '${parsed.model}' does not exist; this server has ${served.join(', ')}`,
        'invalid_request_error',
      );
    }
    const images = parsed.messages.reduce(
      (n, m) =>
        n + (Array.isArray(m.content) ? m.content.filter((p) => p.type === 'image_url').length : 0),
      0,
    );
    if (options.maxImagesPerPrompt !== undefined && images > options.maxImagesPerPrompt)
      return sendError(
        res,
        400,
        `At most ${options.maxImagesPerPrompt} image(s) may be provided in one prompt; this one has ${images}`,
        'invalid_request_error',
      );
    const fault: FaultKind | null =
      options.faults && faultRng.nextFloat() < options.faults
        ? (FAULT_KINDS[faultRng.nextInt(FAULT_KINDS.length)] as FaultKind)
        : null;
    if (fault) log(`fault: ${fault}`);
    if (fault === 'stall') {
      // Hold the request past any sensible client timeout, then drop it.
      await Promise.race([
        sleep(options.stallMs ?? 120_000),
        new Promise((resolve) => res.on('close', resolve)),
      ]);
      req.socket.destroy();
      return;
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === '429')
      return sendError(res, 429, 'Rate limit reached; retry later', 'rate_limit_error', {
        'retry-after': '1',
      });
    if (fault === '500') return sendError(res, 500, 'Internal server error', 'server_error');
    if (fault === '503') return sendError(res, 503, 'The server is overloaded', 'server_error');

    let content: string;
    let prompt: number;
    try {
      const messages = parsed.messages as ChatMessage[];
      const input = readModelInput(messages);
      prompt = await promptTokens(messages);
      content = await (baselines.get(model) as Baseline).answer(input);
    } catch (error) {
      if (error instanceof RequestError)
        return sendError(res, 400, error.message, 'invalid_request_error');
      throw error;
    }
    if (fault === 'empty') content = '';
    if (options.latencyMs) await sleep(options.latencyMs);
    const completion = textTokens(content);
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    };

    const id = `chatcmpl-${randomUUID()}`;
    if (parsed.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content }, null));
      res.write(chunk({}, 'stop'));
      // As OpenAI does when asked: a last chunk with no choices that carries the usage.
      if (parsed.stream_options?.include_usage)
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: parsed.model, choices: [], usage })}\n\n`,
        );
      res.end('data: [DONE]\n\n');
      return;
    }
    const body = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: parsed.model,
      // What answered, as OpenAI's replies say it: the reference server's build (a run's page
      // shows it under "what answered").
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage,
    });
    if (fault === 'truncated') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body.slice(0, Math.floor(body.length / 2)));
      return;
    }
    if (fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{choices: [{message: {content: ${content}}}]`);
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        return sendJson(res, 200, {
          object: 'list',
          data: served.map((id) => ({
            id,
            object: 'model',
            created,
            owned_by: 'linkboard',
          })),
        });
      }
      if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (
        req.method === 'POST' &&
        (path === '/v1/chat/completions' || path === '/chat/completions')
      )
        return chat(req, res);
      return sendError(res, 404, `no route ${req.method} ${path}`, 'invalid_request_error');
    };
    handle().catch((error: unknown) => {
      log(`error: ${(error as Error).message}`);
      if (!res.headersSent) sendError(res, 500, 'internal error', 'server_error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
