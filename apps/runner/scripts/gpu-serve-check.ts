/**
 * The serve path on a real GPU: registers a profile that launches gpu_test_server.py (PyTorch),
 * submits a job for it on the small isekai-synth set, runs a runner with --gpus 0, and prints the
 * GPU telemetry the runner recorded with the job. Where `nvidia-smi` lists no GPU it says so and
 * exits 0: the rest of linkboard does not need one.
 *
 *   npx tsx apps/runner/scripts/gpu-serve-check.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSubmission, registerModel } from '@linkboard/db';
import { listGpus } from '../src/serve/gpu';
import { runRunner } from '../src/worker/runner';
import { testPlatform } from '../test/platform';

const gpus = await listGpus();
if (gpus.length === 0) {
  console.log(
    'gpu-serve-check: skipped: nvidia-smi lists no GPU on this machine (or is not installed), so there is nothing to launch a served model on',
  );
  process.exit(0);
}
console.log(
  `gpu-serve-check: GPUs: ${gpus.map((g) => `${g.index}: ${g.name} (${g.memoryUsedMiB}/${g.memoryTotalMiB} MiB used)`).join('; ')}`,
);

const platform = await testPlatform();
try {
  const profiles = path.join(platform.env.dataDir, 'serve-profiles.json');
  const server = fileURLToPath(new URL('./gpu_test_server.py', import.meta.url));
  await writeFile(
    profiles,
    JSON.stringify({
      profiles: {
        'gpu-test': {
          command: ['python3', server, '--port', '{port}', '--model', '{model}'],
          gpus: 1,
          startupTimeoutS: 300,
        },
      },
    }),
  );
  const modelId = await registerModel(platform.database.db, { name: 'gpu-test' });
  const { submissionId, episodes } = await createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: { adapter: 'serve', profile: 'gpu-test', model: 'gpu-test' },
    shots: [2, 4],
    policies: ['lcl'],
    draws: 8,
  });
  const started = performance.now();
  await runRunner(
    platform.database,
    { ...platform.env, LINKBOARD_SERVE_PROFILES: profiles },
    { concurrency: 8, gpus: [0], once: true, log: (l) => console.log(`runner: ${l}`) },
    new AbortController().signal,
  );
  const { rows } = await platform.database.pool.query(
    'SELECT s.status, s.last_error, j.run_info FROM submissions s JOIN jobs j ON j.submission_id = s.id WHERE s.id = $1',
    [submissionId],
  );
  console.log(
    `gpu-serve-check: submission ${submissionId}: ${rows[0]?.status}, ${episodes} episodes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (rows[0]?.last_error) console.log(`gpu-serve-check: error: ${rows[0].last_error}`);
  console.log(
    `gpu-serve-check: telemetry recorded with the job: ${JSON.stringify(rows[0]?.run_info?.gpu ?? null)}`,
  );
  console.log(
    `gpu-serve-check: GPU 0 after the job: ${JSON.stringify((await listGpus()).find((g) => g.index === 0))}`,
  );
} finally {
  await platform.shutdown();
}
