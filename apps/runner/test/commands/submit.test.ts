import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildEpisodes, indexBenchmark } from '@linkboard/core';
import { loadDataset } from '@linkboard/datasets';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startReferenceServer } from '../../src/server/reference-server';
import { freePort, run, smallSynth, tempDir, testPlatform } from '../helpers';
import { providerServer } from '../provider-apis';

let dataDir: string;
let env: Record<string, string>;
let server: RunningServer;
beforeAll(async () => {
  dataDir = await tempDir();
  env = {
    LINKBOARD_PG_PORT: String(await freePort()),
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
    SECRET_FOR_TEST: 'sk-test-123',
  };
  server = await startReferenceServer({ port: 0, familiarOf: () => undefined });
});
afterAll(() => server.close());

const cli = (args: string[], stdinEnv = env) => run(args, { dataDir, env: stdinEnv });

describe('linkboard submit, runner and status', () => {
  it('queues a submission, runs it, and reports it', async () => {
    const manifest = await smallSynth();
    const submitted = await cli([
      'submit',
      '--name',
      'cli-random',
      '--endpoint',
      server.url,
      '--model',
      'random',
      '--api-key-env',
      'SECRET_FOR_TEST',
      '--manifest',
      manifest,
      '--shots',
      '2,4',
      '--draws',
      '1',
      '--organisation',
      'Acme',
      '--params-b',
      '7',
      '--weights',
      'open',
      '--licence',
      'mit',
      '--revision',
      'r1',
    ]);
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(
      /^submission (\d+): cli-random on isekai-synth@2\.1, 16 episodes in 1 job\(s\); queue position 1$/m,
    );
    const id = /submission (\d+)/.exec(submitted.stdout)?.[1] as string;
    expect((await cli(['status', id])).stdout).toMatch(
      /^submission \d+: queued \(queue position 1\)\nmodel: cli-random \(Acme · 7B parameters · open weights · licence mit · revision r1\)\nprogress: 0\/16 episodes/,
    );

    const worked = await cli(['runner', '--once', '--gpus', 'none']);
    expect(worked.code).toBe(0);
    // The runner's log: a JSON line each, with a timestamp (stderr is not a terminal here).
    const lines = worked.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      level: 'info',
      name: 'runner',
      msg: expect.stringMatching(/^working on .* \(2 job\(s\) at once/),
    });
    for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(lines.map((line) => line.msg).join('\n')).toMatch(/^job \d+: /m);
    const status = await cli(['status', id]);
    expect(status.stdout).toMatch(
      /submission \d+: done\nmodel: cli-random .*\nprogress: 16\/16 episodes.*; 0 in error\n {2}lcl 2-shot: \d+\.\d% \(\d+\/8, strict\)\n {2}lcl 4-shot/,
    );
    expect(status.stdout + submitted.stdout).not.toContain('sk-test-123');
  }, 60_000);

  it('--wait follows a submission while a runner works it, then prints its end state', async () => {
    // A database held open by the test, which the submit and each runner join (two commands
    // that both find none would both try to start it).
    const platform = await testPlatform();
    const onPlatform = (args: string[]) =>
      run(args, {
        dataDir: platform.env.dataDir,
        env: {
          ...env,
          LINKBOARD_PG_PORT: String(platform.env.LINKBOARD_PG_PORT),
          ...(platform.env.DATABASE_URL && { DATABASE_URL: platform.env.DATABASE_URL }),
        },
      });
    const manifest = platform.dataset.dir;
    const waiting = onPlatform([
      'submit',
      '--name',
      'waited-for',
      '--endpoint',
      server.url,
      '--model',
      'prototype',
      '--manifest',
      manifest,
      '--shots',
      '2',
      '--draws',
      '1',
      '--wait',
    ]);
    // A runner works the queue (again, until the submission is there and done) while --wait
    // follows it.
    let settled = false;
    void waiting.finally(() => {
      settled = true;
    });
    while (!settled) {
      const worked = await onPlatform(['runner', '--once', '--gpus', 'none']);
      expect(worked.code, worked.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
    }
    const waited = await waiting;
    expect(waited.code, waited.stderr).toBe(0);
    // stdout: the estimate, the submission line, then its end state as `status` prints it.
    expect(waited.stdout).toMatch(
      /^estimate: 8 episodes · 24 images · [\d,.k]+ prompt \+ 128 completion tokens · cost unknown \(the card states no prices\) · time unknown \(no measured rate\)\nsubmission (\d+): waited-for on isekai-synth@2\.1, 8 episodes in 1 job\(s\); queue position \d+\nsubmission \1: done\nmodel: waited-for\nprogress: 8\/8 episodes.*; 0 in error\n {2}lcl 2-shot: \d+\.\d% \(\d\/8, strict\)\n$/,
    );
    // stderr: where it stood while it waited.
    expect(waited.stderr).toMatch(
      /^submission \d+: (queued \(queue position \d+\)|preflight|running), \d+\/8 episodes/m,
    );
    // status --wait on a finished one returns at once with the same state.
    const id = /submission (\d+)/.exec(waited.stdout)?.[1] as string;
    const again = await onPlatform(['status', id, '--wait']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(waited.stdout.split('\n').slice(2).join('\n'));
    await platform.shutdown();
  }, 90_000);

  it('takes predictions for exported episodes, refusing a bad file by line', async () => {
    const manifest = await smallSynth();
    const dataset = await loadDataset(manifest);
    const ids = [
      ...buildEpisodes(indexBenchmark(dataset.manifest), {
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      }),
    ].map((e) => e.id);
    const file = path.join(await tempDir(), 'answers.jsonl');
    await writeFile(
      file,
      ids
        .map((id) => JSON.stringify({ episode_id: id, answer: 'there is "x" in the image.' }))
        .join('\n'),
    );
    // Exported at one draw, submitted at the default setting's draws: refused whole, saying how
    // to export what the submission asks (once, half its episodes were scored as errors).
    const upload = (name: string, more: string[] = []) =>
      cli([
        'submit',
        '--name',
        name,
        '--predictions',
        file,
        '--manifest',
        manifest,
        '--shots',
        '2',
        ...more,
      ]);
    const mismatched = await upload('uploaded-other-draws');
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain(
      `answers.jsonl: answers ${ids.length} of this submission's ${ids.length * 2} episodes`,
    );
    expect(mismatched.stderr).toContain('linkboard episodes --shots 2 --policy lcl --draws 2');
    const ok = await upload('uploaded', ['--draws', '1']);
    expect(ok.code).toBe(0);
    await writeFile(
      file,
      `${JSON.stringify({ episode_id: ids[0], answer: 'a' })}\n${JSON.stringify({ episode_id: ids[0], answer: 'b' })}\n`,
    );
    const bad = await upload('uploaded-bad', ['--draws', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/answers\.jsonl:2: duplicate episode_id/);
  }, 60_000);

  it.each([
    [
      ['--builtin', 'random', '--endpoint', 'http://x/v1'],
      /exactly one of --endpoint, --serve, --predictions, --builtin/,
      'two ways at once',
    ],
    [['--endpoint', 'http://127.0.0.1:9/v1'], /--endpoint needs --model/, 'no model'],
    [
      ['--builtin', 'oracle'],
      /--builtin: unknown built-in baseline "oracle"; choose random, always-familiar, prototype/,
      'unknown baseline',
    ],
  ])('refuses %j (%s)', async (args, message) => {
    const result = await cli(['submit', '--name', 'x', '--manifest', await smallSynth(), ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('checks generation settings before anything is queued, naming the option', async () => {
    const endpoint = ['submit', '--name', 'gen', '--endpoint', server.url, '--model', 'random'];
    const big = await cli([...endpoint, '--max-tokens', '100000']);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(/--max-tokens: /);
    const field = await cli([...endpoint, '--token-limit-field', 'max_new_tokens']);
    expect(field.code).not.toBe(0);
    expect(field.stderr).toMatch(/max_tokens, max_completion_tokens/);
    const baseline = await cli([
      'submit',
      '--name',
      'b',
      '--builtin',
      'random',
      '--temperature',
      '1',
    ]);
    expect(baseline.code).not.toBe(0);
    expect(baseline.stderr).toMatch(
      /--temperature: generation settings apply to --endpoint and --serve/,
    );
  });

  it('takes a webhook, prints its secret once and stores it encrypted; refuses a private one', async () => {
    const manifest = await smallSynth();
    const args = ['submit', '--name', 'hooked', '--builtin', 'random', '--manifest', manifest];
    // A receiver on 127.0.0.1 (this platform allows private endpoints).
    const received: { headers: Record<string, string>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({
          headers: {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': String(req.headers['webhook-signature']),
          },
          body,
        });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const hook = `http://127.0.0.1:${port}/hooks/linkboard`;
    const ok = await cli([...args, '--shots', '2', '--webhook', hook]);
    expect(ok.code).toBe(0);
    const secret = /^webhook secret \(shown once; .*\): (whsec_[A-Za-z0-9+/]{43}=)$/m.exec(
      ok.stdout,
    )?.[1];
    expect(secret).toBeDefined();
    const id = Number(/submission (\d+)/.exec(ok.stdout)?.[1]);
    const { decryptSecret, loadSecretKey } = await import('@linkboard/db');
    const { openDatabase } = await import('../../src/database');
    const { loadEnv } = await import('../../src/env');
    const database = await openDatabase(loadEnv({ ...env, LINKBOARD_DATA_DIR: dataDir }));
    try {
      const { rows } = await database.pool.query(
        'SELECT webhook_url, webhook_secret FROM submissions WHERE id = $1',
        [id],
      );
      expect(rows[0].webhook_url).toBe(hook);
      expect(rows[0].webhook_secret).not.toContain(secret);
      expect(decryptSecret(await loadSecretKey({ dataDir }), rows[0].webhook_secret)).toBe(secret);
    } finally {
      await database.shutdown();
    }
    // The status command, which shows the submission, never shows its webhook secret.
    expect((await cli(['status', String(id)])).stdout).not.toContain('whsec_');
    // `linkboard runner` delivers it when the submission is done, signed with that secret.
    const worked = await cli(['runner', '--once', '--gpus', 'none']);
    expect(worked.code).toBe(0);
    expect(worked.stderr).not.toContain(secret);
    receiver.close();
    const delivery = received.find((r) => JSON.parse(r.body).submission_id === id);
    expect(delivery && JSON.parse(delivery.body)).toMatchObject({
      status: 'done',
      model: 'hooked',
    });
    // Verified as a receiver would, with the Standard Webhooks library.
    expect(
      delivery && new Webhook(secret as string).verify(delivery.body, delivery.headers),
    ).toMatchObject({ submission_id: id });

    const refused = await cli([...args, '--shots', '2', '--webhook', hook], {
      ...env,
      LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /--webhook: webhook 127\.0\.0\.1:\d+ resolves to 127\.0\.0\.1 \(loopback\); private and loopback endpoints are refused here/,
    );
    const query = await cli([...args, '--webhook', 'https://hooks.example.org/x?token=1']);
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/--webhook: .*no query string or fragment/);
  });

  it('checks the model card flags before anything is queued, naming the flag', async () => {
    const endpoint = ['submit', '--name', 'card', '--endpoint', server.url, '--model', 'random'];
    for (const [flags, said] of [
      [
        ['--model-url', 'javascript:alert(1)'],
        /--model-url: a link must be http:\/\/ or https:\/\//,
      ],
      [['--licence', 'Apache License'], /--licence: a licence identifier/],
      [['--params-b', '0'], /--params-b: must be more than 0/],
      [['--params-b', 'seven'], /--params-b/],
      [['--weights', 'half'], /--weights.*open, closed/],
      [['--base-model', 'a\u202eb'], /--base-model: holds an invisible/],
    ] as const) {
      const refused = await cli([...endpoint, ...flags]);
      expect(refused.code, flags.join(' ')).toBe(1);
      expect(refused.stderr, flags.join(' ')).toMatch(said);
      expect(refused.stdout).not.toMatch(/^submission \d+/m);
    }
    // A builtin baseline takes a card too (it states the spec alone, card included).
    const refused = await cli(['submit', '--name', 'b', '--builtin', 'random', '--licence', 'a b']);
    expect(refused.stderr).toMatch(/--licence: /);
  });

  it('refuses a private endpoint unless the operator allows it', async () => {
    const result = await cli(
      [
        'submit',
        '--name',
        'p',
        '--manifest',
        await smallSynth(),
        '--endpoint',
        'http://10.0.0.5/v1',
        '--model',
        'm',
      ],
      {
        ...env,
        LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0',
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /resolves to 10\.0\.0\.5 \(private\); private and loopback endpoints are refused here/,
    );
  });

  it('refuses metadata, IPv4-compatible and the platform’s own ports even where private ones are allowed', async () => {
    for (const [endpoint, why] of [
      ['http://169.254.169.254/', /\(linkLocal\), which no submission may reach/],
      ['http://metadata.google.internal/', /is a cloud metadata service/],
      ['http://[::7f00:1]/', /\(ipv4Compatible\)/],
      ['http://127.0.0.1:3000/v1', /port 3000 of this platform's own network/],
      [`http://localhost:${env.LINKBOARD_PG_PORT}/`, /of this platform's own network/],
    ] as const) {
      const result = await cli([
        'submit',
        '--name',
        'p',
        '--manifest',
        await smallSynth(),
        '--endpoint',
        endpoint,
        '--model',
        'm',
      ]);
      expect(result.code, endpoint).toBe(1);
      expect(result.stderr, endpoint).toMatch(why);
    }
  });

  it('refuses cloud metadata addresses in every spelling where private endpoints are allowed, as a usage error', async () => {
    const manifest = await smallSynth();
    for (const [flag, url, why] of [
      ['--endpoint', 'http://[fd00:ec2::254]/latest', /cloud metadata service of AWS/],
      ['--endpoint', 'http://100.100.100.200/v1', /cloud metadata service of Alibaba Cloud/],
      ['--endpoint', 'http://0x64.0x64.0x64.0xc8/v1', /cloud metadata service of Alibaba Cloud/],
      ['--endpoint', 'http://[::ffff:100.100.100.200]/v1', /cloud metadata service of Alibaba/],
      ['--endpoint', 'http://192.0.0.192/v1', /cloud metadata service of Oracle Cloud/],
      ['--endpoint', 'http://0251.0376.0251.0376/v1', /\(linkLocal\).*link-local/],
      ['--endpoint', 'http://metadata.google.internal./v1', /is a cloud metadata service/],
      ['--webhook', 'http://[fd00:ec2::254]/hook', /--webhook: .*cloud metadata service of AWS/],
    ] as const) {
      const how =
        flag === '--endpoint'
          ? ['--endpoint', url, '--model', 'm']
          : ['--builtin', 'random', '--webhook', url];
      const result = await cli(['submit', '--name', 'meta', '--manifest', manifest, ...how]);
      expect(result.code, url).toBe(1);
      expect(result.stderr, url).toMatch(why);
      expect(result.stderr, url).toMatch(/cloud metadata|link-local/);
      expect(result.stdout, url).not.toMatch(/^submission \d+/m);
    }
  }, 60_000);
});

describe('linkboard status of a failed submission', () => {
  it('exits non-zero with the reason, after the state', async () => {
    const submitted = await cli([
      'submit',
      '--name',
      'typo',
      '--endpoint',
      server.url,
      '--model',
      'protoype',
      '--manifest',
      await smallSynth(),
      '--shots',
      '2',
      '--draws',
      '1',
    ]);
    expect(submitted.code).toBe(0);
    const id = /submission (\d+)/.exec(submitted.stdout)?.[1];
    expect((await cli(['runner', '--once', '--gpus', 'none'])).code).toBe(0);
    const status = await cli(['status', String(id)]);
    expect(status.stdout).toMatch(new RegExp(`^submission ${id}: failed`));
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(
      // The misspelt model fails the run's preflight, before any episode, in the endpoint's words.
      new RegExp(
        `^linkboard: submission ${id} failed: preflight-failed: .*client-error: .*protoype`,
      ),
    );
  });
});

describe('linkboard submit --adapter', () => {
  it('lists the adapters in its help, each with its default endpoint', async () => {
    const help = await cli(['submit', '--help']);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/--adapter <api>/);
    expect(text).toMatch(/choices: "openai", "anthropic", "gemini"/);
    expect(text).toMatch(/default endpoint https:\/\/api\.anthropic\.com\/v1/);
    expect(text).toMatch(/--thinking-budget <n>/);
  });

  it('queues and runs an Anthropic submission against a Messages API, its key stored encrypted', async () => {
    const anthropicApi = await providerServer('anthropic', [], 'sk-test-123');
    try {
      const manifest = await smallSynth();
      const submitted = await cli([
        'submit',
        '--name',
        'claude-local',
        '--adapter',
        'anthropic',
        '--endpoint',
        anthropicApi.url,
        '--model',
        'claude-test',
        '--api-key-env',
        'SECRET_FOR_TEST',
        '--manifest',
        manifest,
        '--shots',
        '2',
        '--draws',
        '1',
      ]);
      expect(submitted.stderr).toBe('');
      expect(submitted.code).toBe(0);
      const id = /submission (\d+)/.exec(submitted.stdout)?.[1];
      const worked = await cli(['runner', '--once', '--gpus', 'none']);
      expect(worked.code).toBe(0);
      const status = await cli(['status', String(id)]);
      expect(status.stdout).toMatch(/done/);
      expect(anthropicApi.seen.length).toBeGreaterThan(0);
      expect(anthropicApi.seen.every((r) => r.path === '/v1/messages')).toBe(true);
    } finally {
      await anthropicApi.close();
    }
  });

  it('refuses what an API does not take, naming the flag, before anything is queued', async () => {
    const base = ['submit', '--name', 'x', '--model', 'm', '--manifest', await smallSynth()];
    for (const [args, message] of [
      [
        ['--adapter', 'cohere'],
        /--adapter.*choices are openai, anthropic, gemini|Allowed choices are openai, anthropic, gemini/,
      ],
      [['--adapter', 'anthropic', '--serve', 'vllm'], /--adapter names the API of an --endpoint/],
      [['--adapter', 'openai'], /--endpoint: an endpoint URL is required|field endpoint/],
      [
        [
          '--adapter',
          'anthropic',
          '--endpoint',
          'http://127.0.0.1:9/v1',
          '--thinking-budget',
          '2048',
        ],
        /thinkingBudget: the thinking budget \(2048\) must be less than maxTokens/,
      ],
      [
        ['--endpoint', 'http://127.0.0.1:9/v1', '--thinking-budget', '10'],
        /takes no thinking budget/,
      ],
      // A provider's API is no way around the address policy.
      [
        ['--adapter', 'gemini', '--endpoint', 'http://169.254.169.254/v1beta'],
        /which no submission may reach/,
      ],
    ] as const) {
      const result = await cli([...base, ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});
