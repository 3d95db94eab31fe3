import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNvidiaSmi, pickFreeGpus } from '../../src/serve/gpu';
import { checkModelName, loadServeProfiles, startServedModel } from '../../src/serve/serve';
import { runRunner } from '../../src/worker/runner';
import { tempDir, testPlatform } from '../helpers';

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
