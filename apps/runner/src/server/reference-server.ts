import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Prng } from '@linkboard/core';
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
import { type ChatMessage, RequestError, readModelInput } from '../baselines/request';

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
});

const MAX_BODY_BYTES = 64 << 20;

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

/**
 * `linkboard reference-server`: an OpenAI-compatible server (GET /v1/models, POST
 * /v1/chat/completions) that serves the built-in baselines as models. It accepts what a vLLM or
 * OpenAI server accepts, reads images from data URLs, and can fail on purpose (`faults`) in the
 * ways real servers fail, so that clients' retries are tested against real HTTP.
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
    try {
      const input = readModelInput(parsed.messages as ChatMessage[]);
      content = await (baselines.get(model) as Baseline).answer(input);
    } catch (error) {
      if (error instanceof RequestError)
        return sendError(res, 400, error.message, 'invalid_request_error');
      throw error;
    }
    if (fault === 'empty') content = '';
    if (options.latencyMs) await sleep(options.latencyMs);

    const id = `chatcmpl-${randomUUID()}`;
    if (parsed.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
      return;
    }
    const body = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: parsed.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 0,
        completion_tokens: content.split(/\s+/).filter(Boolean).length,
        total_tokens: 0,
      },
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
