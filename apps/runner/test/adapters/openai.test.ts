import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEpisodes, indexBenchmark, scoreEpisode } from '@linkboard/core';
import { loadDataset } from '@linkboard/datasets';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImageEncoder } from '../../src/adapters/encode';
import { openaiAdapter, parseRetryAfter } from '../../src/adapters/openai';
import { smallSynth } from '../helpers';

type Step = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const ok =
  (content: string): Step =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        choices: [{ message: { role: 'assistant', content } }],
        usage: { prompt_tokens: 5, completion_tokens: 3 },
      }),
    );
  };
/** A reply with extra message fields (reasoning) and a finish reason. */
const reply =
  (message: Record<string, unknown>, finishReason = 'stop'): Step =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        choices: [{ message: { role: 'assistant', ...message }, finish_reason: finishReason }],
      }),
    );
  };
const status =
  (
    code: number,
    headers: Record<string, string> = {},
    body = '{"error":{"message":"nope"}}',
  ): Step =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

/** A real HTTP server that answers each request with the next scripted step. */
async function scripted(steps: Step[]) {
  const seen: { body: string; auth?: string }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ body, auth: req.headers.authorization });
    const step = steps.shift() ?? status(500);
    step(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

let episode: ReturnType<typeof buildEpisodes> extends Generator<infer E> ? E : never;
let encoder: ImageEncoder;
let dataset: Awaited<ReturnType<typeof loadDataset>>;
beforeAll(async () => {
  dataset = await loadDataset(await smallSynth());
  encoder = new ImageEncoder(dataset.store, dataset.manifest);
  episode = buildEpisodes(indexBenchmark(dataset.manifest), {
    shots: [2],
    policies: ['lcl'],
    draws: 1,
  }).next().value as typeof episode;
});

const sleeps: number[] = [];
const fastSleep = async (ms: number) => {
  sleeps.push(ms);
};
const adapter = (url: string, extra = {}) =>
  openaiAdapter(
    { endpoint: url, model: 'm', apiKey: 'sk-secret-123', retries: 3, sleep: fastSleep, ...extra },
    encoder,
  );

describe('openaiAdapter', () => {
  it('sends the episode as chat messages with data-URL images, the official generation settings and the key', async () => {
    const server = await scripted([ok('there is "x" in the image.')]);
    const result = await adapter(server.url).answer(episode);
    expect(result).toMatchObject({
      answer: 'there is "x" in the image.',
      attempts: 1,
      usage: { promptTokens: 5, completionTokens: 3 },
    });
    const body = JSON.parse(server.seen[0]!.body);
    expect(body).toMatchObject({ model: 'm', temperature: 0, max_tokens: 1024 });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body.messages[0]).toEqual({
      role: 'system',
      content: expect.stringContaining('causal relationship'),
    });
    const images = body.messages.flatMap((m: { content: unknown }) =>
      Array.isArray(m.content)
        ? m.content.filter((p: { type: string }) => p.type === 'image_url')
        : [],
    );
    expect(images).toHaveLength(3);
    expect(images[0].image_url.url).toMatch(/^data:image\/jpeg;base64,/);
    expect(server.seen[0]!.auth).toBe('Bearer sk-secret-123');
  });

  it('sends the submission’s generation settings, the limit as max_completion_tokens when chosen', async () => {
    const server = await scripted([ok('a'), ok('b')]);
    await adapter(server.url, { maxTokens: 256, temperature: 0.7 }).answer(episode);
    await adapter(server.url, {
      maxTokens: 4096,
      tokenLimitField: 'max_completion_tokens',
    }).answer(episode);
    const [first, second] = server.seen.map((s) => JSON.parse(s.body));
    expect(first).toMatchObject({ temperature: 0.7, max_tokens: 256 });
    expect(first).not.toHaveProperty('max_completion_tokens');
    expect(second).toMatchObject({ temperature: 0, max_completion_tokens: 4096 });
    expect(second).not.toHaveProperty('max_tokens');
  });

  it('scores only the reply’s content, and says when it came with reasoning', async () => {
    const { label, other } = episode.query;
    const server = await scripted([
      reply({
        content: `there is "${label}" in the image.`,
        reasoning_content: `It could be "${other}", but no.`,
      }),
      reply({ content: `there is "${label}" in the image.`, reasoning: `Not "${other}".` }),
      reply({ content: `there is "${label}" in the image.`, reasoning_content: null }),
    ]);
    const withContent = await adapter(server.url).answer(episode);
    expect(withContent).toMatchObject({
      answer: `there is "${label}" in the image.`,
      reasoning: true,
      attempts: 1,
    });
    // Were the reasoning scored too, the answer would name both labels.
    expect(
      scoreEpisode(episode, withContent.answer).find((v) => v.scorer === 'official'),
    ).toMatchObject({
      outcome: 'correct',
    });
    expect(await adapter(server.url).answer(episode)).toMatchObject({ reasoning: true });
    expect((await adapter(server.url).answer(episode)).reasoning).toBeUndefined();
  });

  it('classes an answer lost to reasoning at the token limit as reasoning-exhausted, without asking again', async () => {
    // Shown reasoning (vLLM's reasoning_content) and hidden reasoning (OpenAI's o-series, counted
    // in usage only) end the same way when the limit is spent before the answer.
    const server = await scripted([
      reply(
        { content: null, reasoning_content: `thinking about "${episode.query.label}"…` },
        'length',
      ),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: '' }, finish_reason: 'length' }],
            usage: {
              prompt_tokens: 900,
              completion_tokens: 1024,
              completion_tokens_details: { reasoning_tokens: 1024 },
            },
          }),
        );
      },
    ]);
    expect(await adapter(server.url).answer(episode)).toMatchObject({
      answer: null,
      errorClass: 'reasoning-exhausted',
      reasoning: true,
      attempts: 1,
    });
    expect(await adapter(server.url).answer(episode)).toMatchObject({
      answer: null,
      errorClass: 'reasoning-exhausted',
      error: 'the model reasoned until its token limit (1024 tokens) and gave no answer',
      usage: { promptTokens: 900, completionTokens: 1024 },
    });
    expect(server.seen).toHaveLength(2);
    // Cut off with an answer begun is the model's answer, scored as any other.
    const begun = await scripted([
      reply({ content: 'there is', reasoning_content: 'hmm' }, 'length'),
    ]);
    expect(await adapter(begun.url).answer(episode)).toMatchObject({ answer: 'there is' });
  });

  it('retries 429 after the server’s Retry-After, then 5xx with backoff, and recovers', async () => {
    sleeps.length = 0;
    const server = await scripted([status(429, { 'retry-after': '2' }), status(503), ok('fine')]);
    const result = await adapter(server.url).answer(episode);
    expect(result).toMatchObject({ answer: 'fine', attempts: 3 });
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeLessThanOrEqual(1000);
  });

  it('retries a malformed or truncated reply and an empty answer', async () => {
    const server = await scripted([status(200, {}, '{"choices": [{"mess'), ok(''), ok('there')]);
    expect(await adapter(server.url).answer(episode)).toMatchObject({
      answer: 'there',
      attempts: 3,
    });
  });

  it('keeps an empty answer when every attempt is empty (scored as empty, not as an error)', async () => {
    const server = await scripted([ok(''), ok(''), ok(''), ok('')]);
    expect(await adapter(server.url).answer(episode)).toMatchObject({ answer: '', attempts: 4 });
  });

  it('fails fast on other 4xx with the server’s message, and never echoes the key', async () => {
    const server = await scripted([
      status(400, {}, '{"error":{"message":"image too large for sk-secret-123? no: bad image"}}'),
    ]);
    const result = await adapter(server.url).answer(episode);
    expect(result.answer).toBeNull();
    expect(result).toMatchObject({ errorClass: 'client-error', attempts: 1 });
    expect(result.error).toMatch(/HTTP 400: image too large/);
    expect(server.seen).toHaveLength(1);
  });

  it('gives up after its retries with the error class of the last failure', async () => {
    const server = await scripted([status(500), status(500), status(500), status(502)]);
    expect(await adapter(server.url).answer(episode)).toMatchObject({
      answer: null,
      errorClass: 'server-error',
      attempts: 4,
      // The API's own error object, not a raw body: a proxy's page would say nothing useful.
      error: 'HTTP 502: nope',
    });
    const proxy = await scripted([status(502, {}, '<html>bad gateway</html>')]);
    expect(await adapter(proxy.url, { retries: 0 }).answer(episode)).toMatchObject({
      error: 'HTTP 502',
    });
  });

  it('keeps at most 8,000 characters of an answer, flagged, and no NUL (which PostgreSQL cannot store)', async () => {
    const long = `there is "x"\u0000 in the image. ${'and more '.repeat(100_000)}`;
    const { url } = await scripted([ok(long), ok('short\u0000answer')]);
    const first = await adapter(url).answer(episode);
    expect(first.answer).toHaveLength(8_000);
    expect(first.answer?.startsWith('there is "x"\uFFFD in the image.')).toBe(true);
    expect(first.truncated).toBe(true);
    const second = await adapter(url).answer(episode);
    expect(second).toMatchObject({ answer: 'short\uFFFDanswer' });
    expect(second.truncated).toBeUndefined();
  });

  it('leaves no listener on the caller’s signal after retries (a job shares one signal)', async () => {
    const { url } = await scripted([status(503), status(503), ok('there is "x" in the image.')]);
    const controller = new AbortController();
    // The real sleep, kept short: it is the one that listens to the signal while it waits.
    const real = openaiAdapter(
      { endpoint: url, model: 'm', retries: 3, backoffBaseMs: 1, backoffCapMs: 2 },
      encoder,
    );
    const result = await real.answer(episode, controller.signal);
    expect(result).toMatchObject({ answer: 'there is "x" in the image.', attempts: 3 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('times out a stalled request and classifies a refused connection', async () => {
    const server = await scripted([() => {}, ok('late but fine')]);
    expect(await adapter(server.url, { timeoutMs: 300 }).answer(episode)).toMatchObject({
      answer: 'late but fine',
      attempts: 2,
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await adapter(`http://127.0.0.1:${port}/v1`, { retries: 0 }).answer(episode);
    expect(refused).toMatchObject({ answer: null, errorClass: 'network' });
    expect(refused.error).toMatch(/ECONNREFUSED/);
  });

  it('does not follow redirects (an endpoint must not send the key elsewhere)', async () => {
    const server = await scripted([status(302, { location: 'http://127.0.0.1:9/steal' })]);
    expect(await adapter(server.url).answer(episode)).toMatchObject({
      answer: null,
      errorClass: 'client-error',
    });
  });
});

describe('retry timing', () => {
  it.each([
    ['3', 3000, 'seconds'],
    ['0.5', 500, 'fractional seconds'],
    ['garbage', undefined, 'unreadable'],
    [null, undefined, 'absent'],
  ])('Retry-After %s → %s ms (%s)', (value, ms, _why) => {
    expect(parseRetryAfter(value)).toBe(ms);
  });

  it('reads Retry-After as an HTTP date', () => {
    expect(
      parseRetryAfter('Thu, 26 Nov 2026 20:00:10 GMT', Date.parse('Thu, 26 Nov 2026 20:00:00 GMT')),
    ).toBe(10_000);
  });
});

describe('chatRequestBody', () => {
  it('is the JSON of the chat messages, assembled from cached parts', async () => {
    const { chatRequestBody, toChatMessages } = await import('../../src/adapters/encode');
    const body = await chatRequestBody(episode, encoder, {
      model: 'm',
      temperature: 0,
      max_tokens: 32,
    });
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      model: 'm',
      temperature: 0,
      max_tokens: 32,
      messages: await toChatMessages(episode, encoder),
    });
  });

  it('is the same bytes once every image is encoded (no await per part)', async () => {
    const { chatRequestBody } = await import('../../src/adapters/encode');
    const fresh = new ImageEncoder(dataset.store, dataset.manifest);
    const fields = { model: 'm', max_tokens: 32 };
    const first = await chatRequestBody(episode, fresh, fields);
    const again = await chatRequestBody(episode, fresh, fields);
    expect(again.equals(first)).toBe(true);
    expect(again.buffer).not.toBe(first.buffer);
  });
});

describe('JsonBody', () => {
  it('writes text of any script and bytes in order, into a buffer of their size', async () => {
    const { JsonBody } = await import('../../src/adapters/encode');
    const text = 'café ✓ 𝄞 \ud800';
    const body = new JsonBody()
      .raw('{"a":')
      .value(text)
      .raw(',"b":')
      .bytes(Buffer.from('[1,2]'))
      .fields({ c: 'ü', skipped: undefined })
      .raw('}')
      .done();
    expect(body).toEqual(Buffer.from(`{"a":${JSON.stringify(text)},"b":[1,2],"c":"ü"}`));
  });
});
