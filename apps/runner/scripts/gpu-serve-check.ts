/**
 * The serve path on a real GPU: registers a profile that launches gpu_test_server.py (PyTorch),
 * submits a job for it on the small isekai-synth set, runs a runner with --gpus 0, and prints the
 * GPU telemetry the runner recorded with the job. Where `nvidia-smi` lists no GPU it says so and
 * exits 0: the rest of linkboard does not need one.
 *
 * Then it sends the protocol's largest request, a 16-shot LCL episode (17 PNG images in one chat
 * request), straight to a server launched from an engine profile, and prints whether it was
 * accepted and what came back. By default that server is gpu_test_server.py under an engine
 * profile (it takes the image limit the runner appends and refuses past it, as vLLM does); give
 * a profile of your own to ask a real model instead (the weights must be on the machine):
 *
 *   npx tsx apps/runner/scripts/gpu-serve-check.ts
 *   npx tsx apps/runner/scripts/gpu-serve-check.ts --profiles serve.json --profile vllm-qwen2.5-vl --model Qwen/Qwen2.5-VL-7B-Instruct
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_GENERATION, POLICIES } from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import sharp from 'sharp';
import { listGpus } from '../src/serve/gpu';
import { loadServeProfiles, type ServeProfile, startServedModel } from '../src/serve/serve';
import { runRunner } from '../src/worker/runner';
import { testPlatform } from '../test/platform';

const { values: flags } = parseArgs({
  options: {
    profiles: { type: 'string' },
    profile: { type: 'string' },
    model: { type: 'string' },
  },
});
if ((flags.profiles === undefined) !== (flags.profile === undefined))
  throw new Error('gpu-serve-check: give --profiles and --profile together');

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

await largestRequest();

/** One 16-shot LCL episode, 17 images, sent as the openai adapter sends it. */
async function largestRequest(): Promise<void> {
  const shots = 16;
  let profile: ServeProfile;
  let name: string;
  let model: string;
  if (flags.profiles && flags.profile) {
    const profiles = await loadServeProfiles(flags.profiles);
    const chosen = profiles[flags.profile];
    if (!chosen)
      throw new Error(
        `gpu-serve-check: ${flags.profiles} has no profile "${flags.profile}" (it has ${Object.keys(profiles).join(', ')})`,
      );
    profile = chosen;
    name = flags.profile;
    model = flags.model ?? 'gpu-test';
  } else {
    const server = fileURLToPath(new URL('./gpu_test_server.py', import.meta.url));
    // Declared as a JSON-era vLLM so the runner writes --limit-mm-per-prompt as vLLM 0.8.5+ takes it.
    profile = {
      command: ['python3', server, '--port', '{port}', '--model', '{model}'],
      gpus: 1,
      health: '/v1/models',
      startupTimeoutS: 300,
      env: {},
      engine: { name: 'vllm', version: '0.10.1' },
      tokensPerImage: 330,
    };
    name = 'gpu-test-engine';
    model = flags.model ?? 'gpu-test';
  }
  // Two concepts of plain colour: a model that follows the demonstrations names the query's.
  const labels = ['vermilion', 'cobalt'] as const;
  const colours = [
    { r: 220, g: 40, b: 30 },
    { r: 30, g: 60, b: 210 },
  ];
  const png = async (concept: 0 | 1, shade: number) => {
    const c = colours[concept] as { r: number; g: number; b: number };
    const bytes = await sharp({
      create: {
        width: 384,
        height: 384,
        channels: 3,
        background: { r: c.r, g: Math.min(255, c.g + shade * 6), b: c.b },
      },
    })
      .png()
      .toBuffer();
    return `data:image/png;base64,${bytes.toString('base64')}`;
  };
  const images = new Map<string, string>();
  const support: { imageId: string; label: string }[] = [];
  for (let i = 0; i < shots; i++) {
    const concept = (i % 2) as 0 | 1;
    images.set(`s${i}`, await png(concept, i));
    support.push({ imageId: `s${i}`, label: labels[concept] });
  }
  images.set('q', await png(0, 20));
  const prompt = POLICIES.lcl.render({ support, query: { imageId: 'q' }, candidates: labels });
  const messages = prompt.messages.map((m) =>
    m.role === 'user'
      ? {
          role: m.role,
          content: m.content.map((p) =>
            p.type === 'text'
              ? { type: 'text', text: p.text }
              : { type: 'image_url', image_url: { url: images.get(p.imageId) as string } },
          ),
        }
      : { role: m.role, content: m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') },
  );
  const sent = messages.flatMap((m) =>
    Array.isArray(m.content) ? m.content.filter((p) => p.type === 'image_url') : [],
  ).length;

  const gpus = (await listGpus()).filter((g) => g.memoryUsedMiB < 1024).map((g) => g.index);
  const served = await startServedModel(profile, model, gpus.slice(0, profile.gpus), {
    log: (l) => console.log(`serve: ${l}`),
    // What the runner hands its served models (env.ts's), as a job does.
    baseEnv: platform.env.secrets,
    maxShots: shots,
    name,
  });
  try {
    console.log(`gpu-serve-check: launched ${JSON.stringify(served.command)}`);
    console.log(`gpu-serve-check: engine reported: ${JSON.stringify(served.engine)}`);
    const started = performance.now();
    const response = await fetch(`${served.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        messages,
        max_tokens: DEFAULT_GENERATION.maxTokens,
        temperature: 0,
      }),
      signal: AbortSignal.timeout(300_000),
    });
    const body = await response.text();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    let reply: unknown = body.slice(0, 2000);
    try {
      const json = JSON.parse(body);
      reply = response.ok
        ? {
            content: json.choices?.[0]?.message?.content,
            usage: json.usage,
            images: json.linkboard_images,
          }
        : json;
    } catch {}
    console.log(
      `gpu-serve-check: ${shots}-shot request with ${sent} images ${response.ok ? 'accepted' : `refused (HTTP ${response.status})`} in ${seconds} s; expected answer names "${labels[0]}": ${JSON.stringify(reply)}`,
    );
    if (!response.ok) process.exitCode = 1;
  } finally {
    await served.stop();
  }
}
