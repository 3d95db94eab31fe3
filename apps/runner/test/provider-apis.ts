import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * Local stand-ins for Anthropic's Messages API and Google's Gemini API, for tests: the paid APIs
 * cannot be reached from here, so this is the one edge that is simulated. Each checks every
 * request as the provider's API reference describes it (path, headers, roles, image blocks, field
 * names and ranges) and answers 400 in the provider's own error shape when a request is wrong, so a
 * test fails naming the field. Replies, errors included, take the documented shapes.
 */

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64 data');
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

// Anthropic Messages API: https://docs.anthropic.com/en/api/messages
const anthropicText = z.strictObject({ type: z.literal('text'), text: z.string().min(1) });
const anthropicImage = z.strictObject({
  type: z.literal('image'),
  source: z.strictObject({
    type: z.literal('base64'),
    media_type: z.enum(IMAGE_TYPES),
    data: base64,
  }),
});
export const AnthropicRequest = z
  .strictObject({
    model: z.string().min(1),
    max_tokens: z.number().int().min(1),
    messages: z
      .array(
        z.discriminatedUnion('role', [
          z.strictObject({
            role: z.literal('user'),
            content: z.union([
              z.string(),
              z.array(z.union([anthropicText, anthropicImage])).min(1),
            ]),
          }),
          z.strictObject({
            role: z.literal('assistant'),
            content: z.union([z.string(), z.array(anthropicText)]),
          }),
        ]),
      )
      .min(1),
    system: z.union([z.string(), z.array(anthropicText)]).optional(),
    temperature: z.number().min(0).max(1).optional(),
    thinking: z
      .strictObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) })
      .optional(),
  })
  .superRefine((body, ctx) => {
    const roles = body.messages.map((m) => m.role);
    if (roles[0] !== 'user')
      ctx.addIssue({
        code: 'custom',
        message: 'messages: the first message must use the user role',
      });
    for (let i = 1; i < roles.length; i++)
      if (roles[i] === roles[i - 1])
        ctx.addIssue({ code: 'custom', message: `messages.${i}: roles must alternate` });
    if (body.thinking && body.thinking.budget_tokens >= body.max_tokens)
      ctx.addIssue({
        code: 'custom',
        message: 'thinking.budget_tokens must be less than max_tokens',
      });
    if (body.thinking && body.temperature !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'temperature may not be set while thinking is enabled',
      });
  });
export type AnthropicRequest = z.infer<typeof AnthropicRequest>;

// Gemini API generateContent: https://ai.google.dev/api/generate-content
const geminiPart = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ inlineData: z.strictObject({ mimeType: z.string(), data: base64 }) }),
]);
export const GeminiRequest = z
  .strictObject({
    contents: z
      .array(z.strictObject({ role: z.enum(['user', 'model']), parts: z.array(geminiPart).min(1) }))
      .min(1),
    systemInstruction: z
      .strictObject({ parts: z.array(z.strictObject({ text: z.string() })).min(1) })
      .optional(),
    generationConfig: z
      .strictObject({
        temperature: z.number().min(0).max(2).optional(),
        maxOutputTokens: z.number().int().min(1).optional(),
        thinkingConfig: z.strictObject({ thinkingBudget: z.number().int() }).optional(),
      })
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.contents.at(-1)?.role !== 'user')
      ctx.addIssue({ code: 'custom', message: 'contents: the last turn must be the user’s' });
  });
export type GeminiRequest = z.infer<typeof GeminiRequest>;

/** What a stand-in saw of one request. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A scripted reply: status, headers and JSON body; absent steps answer from the request. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** The label of the last demonstration (the answer of a model that repeats what it saw last). */
const lastLabel = (texts: string[]) => /"([^"]+)"/.exec(texts.at(-1) ?? '')?.[1] ?? 'nothing';

export const anthropic = {
  text: (text: string, extra: Record<string, unknown> = {}): Reply => ({
    status: 200,
    body: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1200, output_tokens: 9 },
      ...extra,
    },
  }),
  /** Extended thinking that used max_tokens before any text block. */
  thoughtOut: (maxTokens: number): Reply => ({
    status: 200,
    body: {
      id: 'msg_02',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'thinking', thinking: 'Comparing the spines…', signature: 'c2ln' }],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 1200, output_tokens: maxTokens },
    },
  }),
  error: (status: number, type: string, message: string, headers = {}): Reply => ({
    status,
    headers,
    body: { type: 'error', error: { type, message } },
  }),
};

export const gemini = {
  text: (text: string, extra: Record<string, unknown> = {}): Reply => ({
    status: 200,
    body: {
      candidates: [
        { content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: { promptTokenCount: 1300, candidatesTokenCount: 8, totalTokenCount: 1308 },
      modelVersion: 'gemini-test',
      ...extra,
    },
  }),
  /** Thinking that used maxOutputTokens' worth before any text: a candidate with no parts. */
  thoughtOut: (thoughts: number): Reply => ({
    status: 200,
    body: {
      candidates: [{ content: { role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 }],
      usageMetadata: {
        promptTokenCount: 1300,
        thoughtsTokenCount: thoughts,
        totalTokenCount: 1300 + thoughts,
      },
      modelVersion: 'gemini-test',
    },
  }),
  error: (code: number, status: string, message: string, details: unknown[] = []): Reply => ({
    status: code,
    body: { error: { code, message, status, details } },
  }),
};

type Provider = 'anthropic' | 'gemini';

/**
 * A stand-in for one provider on a real local port. Each request is checked; a valid one gets the
 * next scripted reply or, when the script is spent, an answer naming the last demonstration's
 * label. `url` is the base URL a submission names (`…/v1` or `…/v1beta`).
 */
export async function providerServer(provider: Provider, script: Reply[] = [], key = 'test-key') {
  const seen: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const path = req.url ?? '';
    seen.push({ method: req.method ?? '', path, headers: req.headers, body });
    const refuse = (message: string) =>
      send(
        res,
        provider === 'anthropic'
          ? anthropic.error(400, 'invalid_request_error', message)
          : gemini.error(400, 'INVALID_ARGUMENT', message),
      );
    const problem = checkRequest(provider, req, path, body, key);
    if (problem) return refuse(problem);
    const next = script.shift();
    if (next) return send(res, next);
    if (provider === 'anthropic') {
      const request = body as AnthropicRequest;
      const said = request.messages
        .filter((m) => m.role === 'assistant')
        .map((m) =>
          typeof m.content === 'string' ? m.content : m.content.map((b) => b.text).join(''),
        );
      return send(res, anthropic.text(`there is "${lastLabel(said)}" in the image.`));
    }
    const request = body as GeminiRequest;
    const said = request.contents
      .filter((c) => c.role === 'model')
      .map((c) => c.parts.map((p) => ('text' in p ? p.text : '')).join(''));
    return send(res, gemini.text(`there is "${lastLabel(said)}" in the image.`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${provider === 'anthropic' ? 'v1' : 'v1beta'}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function send(res: ServerResponse, reply: Reply) {
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(reply.body));
}

/** What is wrong with a request, as the provider's reference says it must be; null when nothing. */
function checkRequest(
  provider: Provider,
  req: IncomingMessage,
  path: string,
  body: unknown,
  key: string,
): string | null {
  if (req.method !== 'POST') return `method ${req.method}: POST only`;
  if (req.headers['content-type'] !== 'application/json')
    return 'content-type must be application/json';
  if (provider === 'anthropic') {
    if (path !== '/v1/messages') return `path ${path}: not /v1/messages`;
    if (req.headers['anthropic-version'] !== '2023-06-01')
      return 'anthropic-version header: required';
    if (req.headers['x-api-key'] !== key) return 'x-api-key header: invalid';
    if (req.headers.authorization) return 'authorization header: the key goes in x-api-key';
    const parsed = AnthropicRequest.safeParse(body);
    return parsed.success ? null : z.prettifyError(parsed.error);
  }
  const match = /^\/v1beta\/models\/([^/:?]+):generateContent$/.exec(path);
  if (!match) return `path ${path}: not /v1beta/models/{model}:generateContent`;
  if (req.headers['x-goog-api-key'] !== key) return 'x-goog-api-key header: invalid';
  const parsed = GeminiRequest.safeParse(body);
  return parsed.success ? null : z.prettifyError(parsed.error);
}
