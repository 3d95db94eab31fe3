import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseNvidiaSmi, pickFreeGpus } from '../../src/serve/gpu';
import {
  checkModelName,
  loadServeProfiles,
  type ServeProfile,
  serveCommand,
  startServedModel,
  vllmImageLimit,
} from '../../src/serve/serve';
import { runRunner } from '../../src/worker/runner';
import { run, tempDir, testPlatform } from '../helpers';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));

// The reference server stands in for vLLM: a real process the runner launches, health-checks,
// drives over HTTP and stops. It needs no GPU, so the profile asks for none.
const profile = (manifestDir: string) => ({
  profiles: {
    'reference-cpu': {
      command: [
        process.execPath,
        BIN,
        'reference-server',
        '--port',
        '{port}',
        '--manifest',
        manifestDir,
      ],
      gpus: 0,
      health: '/v1/models',
      startupTimeoutS: 60,
    },
  },
});

describe('serve profiles', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let profilesFile: string;
  beforeAll(async () => {
    profilesFile = path.join(await tempDir(), 'profiles.json');
    platform = await testPlatform({ LINKBOARD_SERVE_PROFILES: '' });
    await writeFile(profilesFile, JSON.stringify(profile(platform.dataset.dir)));
  });
  afterAll(() => platform.shutdown());

  it('launches the model server, runs the job through it, and stops it', async () => {
    const env = { ...platform.env, LINKBOARD_SERVE_PROFILES: profilesFile };
    const modelId = await registerModel(platform.database.db, { name: 'served-prototype' });
    const { submissionId, episodes } = await createSubmission(platform.database.db, {
      modelId,
      benchmarkVersionId: platform.benchmarkVersionId,
      adapterConfig: { adapter: 'serve', profile: 'reference-cpu', model: 'prototype' },
      shots: [2],
      policies: ['lcl'],
    });
    const log: string[] = [];
    await runRunner(
      platform.database,
      env,
      { concurrency: 4, gpus: 'auto', once: true, log: (l) => log.push(l) },
      new AbortController().signal,
    );
    const { rows } = await platform.database.pool.query(
      'SELECT s.status, s.provenance, count(r.*)::int AS n FROM submissions s JOIN results r ON r.submission_id = s.id WHERE s.id = $1 GROUP BY s.id',
      [submissionId],
    );
    expect(rows[0]).toMatchObject({
      status: 'done',
      n: episodes,
      provenance: { adapter: 'serve', profile: 'reference-cpu', model: 'prototype' },
    });
    const port = /healthy on port (\d+)/.exec(log.join('\n'))?.[1];
    expect(port).toBeDefined();
    await expect(fetch(`http://127.0.0.1:${port}/v1/models`)).rejects.toThrow();
  }, 60_000);

  it('says why a server that dies at start never became healthy', async () => {
    const dying = {
      command: [process.execPath, '-e', 'console.error("CUDA out of memory"); process.exit(3)'],
      gpus: 0,
      health: '/',
      startupTimeoutS: 10,
      env: {},
    };
    await expect(
      startServedModel(dying, 'm', [], { log: () => {}, baseEnv: process.env }),
    ).rejects.toThrow(/exited \(code 3\) before it was healthy: CUDA out of memory/);
  });

  it('leaves serve jobs to runners that have GPUs', async () => {
    const modelId = await registerModel(platform.database.db, { name: 'gpu-only' });
    const { submissionId } = await createSubmission(platform.database.db, {
      modelId,
      benchmarkVersionId: platform.benchmarkVersionId,
      adapterConfig: { adapter: 'serve', profile: 'reference-cpu', model: 'prototype' },
      shots: [2],
      policies: ['lcl'],
    });
    await runRunner(
      platform.database,
      platform.env,
      { concurrency: 1, gpus: 'none', once: true, log: () => {} },
      new AbortController().signal,
    );
    const { rows } = await platform.database.pool.query(
      'SELECT status FROM submissions WHERE id = $1',
      [submissionId],
    );
    expect(rows[0].status).toBe('queued');
    await platform.database.pool.query(
      `UPDATE jobs SET status = 'cancelled' WHERE submission_id = $1`,
      [submissionId],
    );
  });

  it('refuses a profile file that is not valid', async () => {
    const bad = path.join(await tempDir(), 'bad.json');
    await writeFile(bad, JSON.stringify({ profiles: { x: { command: 'vllm serve {model}' } } }));
    await expect(loadServeProfiles(bad)).rejects.toThrow(/bad\.json: profiles\.x\.command: /);
  });

  it.each([
    ['Qwen/Qwen2-VL-7B-Instruct', true, 'a hub name'],
    ['llava-1.5:7b', true, 'a tag'],
    ['x; rm -rf /', false, 'shell metacharacters'],
    ['--help', false, 'an option'],
  ])('model name %s accepted: %s (%s)', (name, ok) => {
    expect(() => checkModelName(name)).toSatisfy((fn: () => unknown) => {
      try {
        fn();
        return ok;
      } catch {
        return !ok;
      }
    });
  });
});

// Stands in for `vllm serve`: records the arguments it was given, then answers the two requests
// the runner makes of it (health and version) on the port it was told.
const FAKE_VLLM = `#!/usr/bin/env node
(async () => {
  const { writeFileSync } = await import('node:fs');
  const { createServer } = await import('node:http');
  const args = process.argv.slice(2);
  writeFileSync(process.env.FAKE_VLLM_ARGV, JSON.stringify(args));
  const port = Number(args[args.indexOf('--port') + 1]);
  createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/models') res.end(JSON.stringify({ data: [{ id: args[1] }] }));
    else if (req.url === '/version') res.end(JSON.stringify({ version: process.env.FAKE_VLLM_VERSION }));
    else { res.statusCode = 404; res.end('{}'); }
  }).listen(port, '127.0.0.1');
})();
`;

const QWEN = 'Qwen/Qwen2.5-VL-7B-Instruct';
const vllmProfile = (version: string, extra: Partial<ServeProfile> = {}): ServeProfile => ({
  command: ['vllm', 'serve', '{model}', '--port', '{port}'],
  gpus: 0,
  health: '/v1/models',
  startupTimeoutS: 30,
  env: {},
  engine: { name: 'vllm', version },
  tokensPerImage: 330,
  ...extra,
});

describe('vLLM engine profiles', () => {
  it('launch vllm with room for the largest episode and read the version that answered', async () => {
    const bin = await tempDir();
    await writeFile(path.join(bin, 'vllm'), FAKE_VLLM);
    await chmod(path.join(bin, 'vllm'), 0o755);
    const argvFile = path.join(bin, 'argv.json');
    const log: string[] = [];
    const served = await startServedModel(vllmProfile('0.10.1'), QWEN, [], {
      log: (l) => log.push(l),
      baseEnv: {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        FAKE_VLLM_ARGV: argvFile,
        FAKE_VLLM_VERSION: '0.10.1.1',
      },
      maxShots: 16,
    });
    try {
      const argv = JSON.parse(await readFile(argvFile, 'utf8')) as string[];
      const port = new URL(served.url).port;
      // 17 images × (330 + 64 text) + 1,024 to answer = 7,722, rounded up to 8,192.
      expect(argv).toEqual([
        'serve',
        QWEN,
        '--port',
        port,
        '--limit-mm-per-prompt',
        '{"image":17}',
        '--max-model-len',
        '8192',
      ]);
      expect(served.command).toEqual(['vllm', ...argv]);
      expect(served.engine).toEqual({ name: 'vllm', version: '0.10.1.1' });
      expect(log.join('\n')).toMatch(/reports vLLM 0\.10\.1\.1; its profile declares 0\.10\.1/);
    } finally {
      await served.stop();
    }
  });

  it('say no version when the server answers none, and leave generic profiles alone', async () => {
    // Any OpenAI-compatible server: this one has no /version, as many do not.
    const script = `require('node:http').createServer((q, s) => { s.statusCode = q.url === '/v1/models' ? 200 : 404; s.end('{}'); }).listen(Number(process.argv[1]), '127.0.0.1')`;
    const generic = {
      command: [process.execPath, '-e', script, '{port}'],
      gpus: 0,
      health: '/v1/models',
      startupTimeoutS: 30,
      env: {},
    };
    expect(serveCommand(generic, { model: 'm', port: 5, maxShots: 16 })).toEqual([
      process.execPath,
      '-e',
      script,
      '5',
    ]);
    const served = await startServedModel(generic, 'prototype', [], {
      log: () => {},
      baseEnv: process.env,
    });
    try {
      expect(served.engine).toBeNull();
      expect(served.command).toEqual([process.execPath, '-e', script, new URL(served.url).port]);
    } finally {
      await served.stop();
    }
  });

  it.each([
    ['0.6.0', 'image=17'],
    ['0.7.3', 'image=17'],
    ['0.8.4', 'image=17'],
    ['0.8.5', '{"image":17}'],
    ['0.9.2', '{"image":17}'],
    ['0.10.1.1', '{"image":17}'],
    ['0.11.0rc1', '{"image":17}'],
    ['0.9', '{"image":17}'],
  ])('vLLM %s takes the image limit as %s', (version, limit) => {
    expect(vllmImageLimit(version, 17)).toBe(limit);
  });

  it.each([
    ['0.5.5', /older than 0\.6\.0.*supports vLLM 0\.6\.0 up to \(not including\) 1\.0\.0/],
    ['1.0.0', /newer than the releases whose --limit-mm-per-prompt syntax/],
    ['0.8', /changed the --limit-mm-per-prompt syntax at 0\.8\.5: give the full version/],
    ['latest', /"latest" is not a vLLM version/],
  ])('vLLM %s is refused', (version, why) => {
    expect(() => vllmImageLimit(version, 17)).toThrow(why);
  });

  it('size the context by the largest shot count, the answer limit and the model limit', () => {
    const profile = vllmProfile('0.7.3', { textTokensPerShot: 40, contextLimit: 32768 });
    // 3 images × 370 + 1,024 = 2,134 → 3,072.
    expect(serveCommand(profile, { model: QWEN, port: 1, maxShots: 2 }).slice(-4)).toEqual([
      '--limit-mm-per-prompt',
      'image=3',
      '--max-model-len',
      '3072',
    ]);
    expect(serveCommand(profile, { maxShots: 16, completionTokens: 4096 }).slice(2)).toEqual([
      '{model}',
      '--port',
      '{port}',
      '--limit-mm-per-prompt',
      'image=17',
      '--max-model-len',
      '11264',
    ]);
    // Rounding up stops at the model's own limit when what is needed fits it.
    expect(serveCommand({ ...profile, contextLimit: 7500 }, { maxShots: 16 }).at(-1)).toBe('7500');
    expect(() =>
      serveCommand({ ...profile, contextLimit: 4096 }, { maxShots: 16, name: 'small' }),
    ).toThrow(
      /serve profile "small": 16-shot episodes need 7314 tokens of context \(17 images × 370 \+ 1024 to answer\), over its contextLimit of 4096/,
    );
  });

  it('refuse an engine profile file that cannot be sized, naming the file, profile and field', async () => {
    const file = path.join(await tempDir(), 'engines.json');
    const refused = async (profile: object) => {
      await writeFile(file, JSON.stringify({ profiles: { qwen: profile } }));
      return loadServeProfiles(file).then(
        () => '',
        (error: Error) => error.message,
      );
    };
    const base = { command: ['vllm', 'serve', '{model}', '--port', '{port}'] };
    expect(
      await refused({ ...base, engine: { name: 'vllm', version: '0.5.4' }, tokensPerImage: 1 }),
    ).toMatch(/engines\.json: profiles\.qwen\.engine\.version: vLLM 0\.5\.4 is older than 0\.6\.0/);
    expect(await refused({ ...base, engine: { name: 'vllm', version: '0.10.1' } })).toMatch(
      /engines\.json: profiles\.qwen\.tokensPerImage: required with an engine/,
    );
    expect(
      await refused({ ...base, engine: { name: 'sglang', version: '0.4' }, tokensPerImage: 1 }),
    ).toMatch(/profiles\.qwen\.engine\.name: unknown engine "sglang"; the runner knows "vllm"/);
    expect(
      await refused({
        command: [...base.command, '--max-model-len', '4096'],
        engine: { name: 'vllm', version: '0.10.1' },
        tokensPerImage: 330,
      }),
    ).toMatch(/profiles\.qwen\.command: holds --max-model-len, which the runner adds/);
    expect(await refused({ ...base, tokensPerImage: 330 })).toMatch(
      /profiles\.qwen\.tokensPerImage: sizes the context of an engine profile only/,
    );
  });

  it('loads the example profiles in docs', async () => {
    const file = fileURLToPath(
      new URL('../../../../docs/serve-profiles.example.json', import.meta.url),
    );
    const profiles = await loadServeProfiles(file);
    expect(Object.keys(profiles).length).toBeGreaterThanOrEqual(2);
    for (const [name, profile] of Object.entries(profiles)) {
      expect(profile.engine?.name).toBe('vllm');
      const argv = serveCommand(profile, { model: 'org/model', port: 8000, maxShots: 16, name });
      expect(argv).toContain('--max-model-len');
    }
  });
});

describe('linkboard serve --print-command', () => {
  let file: string;
  // tempDir's folders go after each test.
  beforeEach(async () => {
    file = path.join(await tempDir(), 'profiles.json');
    await writeFile(
      file,
      JSON.stringify({
        profiles: {
          qwen: { ...vllmProfile('0.10.1'), gpus: 1, env: { HF_HOME: '/models/hf cache' } },
          old: vllmProfile('0.7.3'),
        },
      }),
    );
  });

  it('prints the command for the largest shot count, ready to paste', async () => {
    const { code, stdout, stderr } = await run([
      'serve',
      '--print-command',
      '--profile',
      'qwen',
      '--shots',
      '2,16,4',
      '--model',
      QWEN,
      '--profiles',
      file,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `HF_HOME='/models/hf cache' vllm serve ${QWEN} --port 8000 --limit-mm-per-prompt '{"image":17}' --max-model-len 8192\n`,
    );
    expect(stderr).toMatch(/port 8000 is an example/);
  });

  it('reads $LINKBOARD_SERVE_PROFILES, and keeps {model} when no model is given', async () => {
    const { code, stdout } = await run(
      ['serve', '--print-command', '--profile', 'old', '--shots', '8', '--port', '9000'],
      { env: { LINKBOARD_SERVE_PROFILES: file } },
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      "vllm serve '{model}' --port 9000 --limit-mm-per-prompt image=9 --max-model-len 5120\n",
    );
  });

  it('names the registered profiles for an unknown one, and says what serve is for', async () => {
    const unknown = await run([
      'serve',
      '--print-command',
      '--profile',
      'llava',
      '--shots',
      '16',
      '--profiles',
      file,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /profiles\.json: no serve profile "llava"; registered: qwen, old/,
    );
    const bare = await run(['serve', '--profile', 'qwen', '--shots', '16', '--profiles', file]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/serve only shows a command \(--print-command\)/);
    const none = await run(['serve', '--print-command', '--profile', 'qwen', '--shots', '16']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /no serve profiles: give --profiles FILE or set LINKBOARD_SERVE_PROFILES/,
    );
  });
});

describe('GPU inventory', () => {
  const csv = '0, NVIDIA H100 80GB HBM3, 3, 81559, 0\n1, NVIDIA H100 80GB HBM3, 40123, 81559, 97\n';

  it('reads nvidia-smi', () => {
    expect(parseNvidiaSmi(csv)).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        memoryUsedMiB: 3,
        memoryTotalMiB: 81559,
        utilizationPct: 0,
      },
      {
        index: 1,
        name: 'NVIDIA H100 80GB HBM3',
        memoryUsedMiB: 40123,
        memoryTotalMiB: 81559,
        utilizationPct: 97,
      },
    ]);
  });

  it('takes only free, allowed GPUs not already held', () => {
    const gpus = parseNvidiaSmi(csv);
    expect(pickFreeGpus(gpus, 1, { allowed: 'auto', busy: new Set() })).toEqual([0]);
    expect(pickFreeGpus(gpus, 1, { allowed: 'auto', busy: new Set([0]) })).toBeNull();
    expect(pickFreeGpus(gpus, 1, { allowed: [1], busy: new Set() })).toBeNull();
  });
});
