import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadDataset } from '@linkboard/datasets';
import { describe, expect, it } from 'vitest';
import { familiarFromPairs } from '../../src/adapters/builtin';
import { startReferenceServer } from '../../src/server/reference-server';
import { run, smallSynth, tempDir } from '../helpers';
import { type GeminiRequest, providerServer } from '../provider-apis';

describe('linkboard eval', () => {
  it('evaluates through Gemini’s API with --adapter, the key from the environment, no temperature sent', async () => {
    const api = await providerServer('gemini', [], 'gm-key-1');
    try {
      const result = await run(
        [
          'eval',
          '--manifest',
          await smallSynth(),
          '--adapter',
          'gemini',
          '--endpoint',
          api.url,
          '--model',
          'gemini-test',
          '--api-key-env',
          'GEMINI_KEY',
          '--temperature',
          'none',
          '--thinking-budget',
          '0',
          '--shots',
          '2',
          '--json',
        ],
        { env: { GEMINI_KEY: 'gm-key-1' } },
      );
      expect(result.stderr).not.toContain('gm-key-1');
      expect(result.code).toBe(0);
      // The stand-in refuses (400) any request its reference would: every one was accepted.
      expect(api.seen).toHaveLength(8);
      for (const request of api.seen)
        expect((request.body as GeminiRequest).generationConfig).toEqual({
          maxOutputTokens: 1024,
          thinkingConfig: { thinkingBudget: 0 },
        });
      expect(JSON.parse(result.stdout)).toMatchObject({ episodes: 8, errors_by_class: {} });
    } finally {
      await api.close();
    }
  });

  it('sends the generation settings its flags give, and counts answers that came with reasoning', async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      bodies.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ message: { content: 'there is "x" here.', reasoning: 'hmm, "y"?' } }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const common = ['eval', '--manifest', await smallSynth(), '--endpoint', url];
      const given = await run([
        ...common,
        '--model',
        'm',
        '--shots',
        '2',
        '--max-tokens',
        '300',
        '--temperature',
        '0.2',
        '--token-limit-field',
        'max_completion_tokens',
        '--json',
      ]);
      expect(given.code).toBe(0);
      expect(bodies).toHaveLength(8);
      for (const body of bodies) {
        expect(body).toMatchObject({ temperature: 0.2, max_completion_tokens: 300 });
        expect(body).not.toHaveProperty('max_tokens');
      }
      expect(JSON.parse(given.stdout).reasoning_answers).toBe(8);
      bodies.length = 0;
      expect((await run([...common, '--model', 'm', '--shots', '2'])).code).toBe(0);
      expect(bodies[0]).toMatchObject({ temperature: 0, max_tokens: 1024 });
      const bad = await run([...common, '--model', 'm', '--temperature', '5']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/--temperature: /);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses generation settings for a built-in baseline', async () => {
    const result = await run([
      'eval',
      '--manifest',
      await smallSynth(),
      '--model',
      'builtin:random',
      '--max-tokens',
      '64',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /--max-tokens: generation settings apply to --endpoint and --serve models only/,
    );
  });

  it('prints the per-shot table for a built-in baseline', async () => {
    const { code, stdout } = await run([
      'eval',
      '--manifest',
      await smallSynth(),
      '--model',
      'builtin:always-familiar',
      '--shots',
      '2,4',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/model builtin:always-familiar · scorer strict · 16 episodes/);
    // Always the familiar name: every novel query wrong, every familiar one right.
    expect(stdout).toMatch(
      /^2\s+lcl\s+8\s+50\.0% \[\S+, \S+\]\s+0\.0%\s+100\.0%\s+4\/4\/0\/0\/0\/0$/m,
    );
  });

  it('writes a JSON summary and every episode’s raw answer and verdicts', async () => {
    const out = path.join(await tempDir(), 'answers.jsonl');
    const { code, stdout } = await run([
      'eval',
      '--manifest',
      await smallSynth(),
      '--model',
      'builtin:random',
      '--shots',
      '2,8',
      '--policy',
      'lcl,icl',
      '--draws',
      '2',
      '--json',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.per_shot).toHaveLength(4);
    for (const row of summary.per_shot) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['shots', 'policy', 'accuracy', 'ci_low', 'ci_high', 'n', 'errors']),
      );
      expect(row.n).toBe(16);
      expect(row.ci_low).toBeLessThanOrEqual(row.accuracy);
    }
    expect(summary.link_gain.map((r: { shots: number }) => r.shots)).toEqual([2, 8]);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(64);
    expect(lines[0]).toMatchObject({
      answer: expect.stringMatching(/^there is "/),
      official: { outcome: expect.any(String) },
      strict: { rule: expect.any(String) },
    });
  });

  it('keeps 16 requests in flight with retries and raises no MaxListenersExceededWarning', async () => {
    const dir = await smallSynth();
    const server = await startReferenceServer({
      port: 0,
      faults: 0.3,
      stallMs: 2_000,
      familiarOf: familiarFromPairs((await loadDataset(dir)).manifest.pairs),
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const result = await run([
        'eval',
        '--manifest',
        dir,
        '--endpoint',
        server.url,
        '--model',
        'prototype',
        '--shots',
        '2,4,8',
        '--draws',
        '4',
        '--policy',
        'lcl,icl',
        '--concurrency',
        '16',
        '--timeout-ms',
        '300',
        '--retries',
        '12',
        '--json',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).errors_by_class).toEqual({});
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  }, 60_000);

  it('fails, in the server’s words, when no episode got an answer (a mistyped model)', async () => {
    const dir = await smallSynth();
    const server = await startReferenceServer({ port: 0, familiarOf: () => undefined });
    try {
      const typo = await run([
        'eval',
        '--manifest',
        dir,
        '--endpoint',
        server.url,
        '--model',
        'protoype',
        '--shots',
        '2',
      ]);
      expect(typo.code).toBe(1);
      expect(typo.stderr).toMatch(
        /^linkboard: no episode got an answer \(8 asked\): client-error: HTTP 4\d\d: .*protoype/m,
      );
    } finally {
      await server.close();
    }
  });

  it('recovers every fault of a reference server that fails 30% of requests: no episode in error', async () => {
    const dir = await smallSynth();
    const dataset = await loadDataset(dir);
    const server = await startReferenceServer({
      port: 0,
      faults: 0.3,
      stallMs: 5_000,
      familiarOf: familiarFromPairs(dataset.manifest.pairs),
    });
    try {
      const viaServer = await run([
        'eval',
        '--manifest',
        dir,
        '--endpoint',
        server.url,
        '--model',
        'prototype',
        '--shots',
        '2,4',
        '--timeout-ms',
        '500',
        '--retries',
        '12',
        '--json',
      ]);
      expect(viaServer.code).toBe(0);
      const summary = JSON.parse(viaServer.stdout);
      expect(summary.errors_by_class).toEqual({});
      expect(summary.per_shot.map((r: { errors: number }) => r.errors)).toEqual([0, 0]);
      // And the answers are the in-process baseline's, faults or not.
      const local = JSON.parse(
        (
          await run([
            'eval',
            '--manifest',
            dir,
            '--model',
            'builtin:prototype',
            '--shots',
            '2,4',
            '--json',
          ])
        ).stdout,
      );
      expect(summary.per_shot.map((r: { accuracy: number }) => r.accuracy)).toEqual(
        local.per_shot.map((r: { accuracy: number }) => r.accuracy),
      );
    } finally {
      await server.close();
    }
  }, 60_000);

  it.each([
    [
      ['--model', 'builtin:oracle'],
      /name a built-in model \(builtin:random, builtin:always-familiar, builtin:prototype, builtin:query-only\)/,
      'unknown baseline',
    ],
    [
      ['--model', 'm', '--endpoint', 'not a url'],
      /endpoint "not a url" is not a URL/,
      'bad endpoint',
    ],
    [
      [
        '--model',
        'm',
        '--endpoint',
        'http://127.0.0.1:9/v1',
        '--api-key-env',
        'LINKBOARD_TEST_NO_SUCH_KEY',
      ],
      /LINKBOARD_TEST_NO_SUCH_KEY: that environment variable is not set/,
      'missing key variable',
    ],
    [
      ['--model', 'm', '--endpoint', 'http://127.0.0.1:9/v1', '--retries', 'x'],
      /"x" is not a whole number/,
      'retries that are no number (once read as NaN: no request was sent at all)',
    ],
  ])('refuses %j (%s)', async (args, message) => {
    const { code, stderr } = await run(['eval', '--manifest', await smallSynth(), ...args]);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
