import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { DEFAULT_GENERATION, isSafeModelName } from '@linkboard/core';
import { z } from 'zod';
import { CliError } from '../errors';
import { type GpuState, listGpus } from './gpu';

const EngineSchema = z.object({
  name: z.enum(['vllm'], {
    error: (issue) => `unknown engine ${JSON.stringify(issue.input)}; the runner knows "vllm"`,
  }),
  /** As `vllm --version` prints it: the flag syntax the runner writes depends on it. */
  version: z.string().min(1),
});

/**
 * Serve profiles are registered by the operator, never by submitters: a submitter picks a profile
 * and a model name, and the command is the operator's. Arguments are an array (no shell), with
 * {model} and {port} filled in.
 */
const ProfileSchema = z
  .object({
    command: z.array(z.string().min(1)).min(1),
    gpus: z.number().int().min(0).default(1),
    health: z.string().default('/v1/models'),
    startupTimeoutS: z.number().positive().default(900),
    env: z.record(z.string(), z.string()).default({}),
    /** The operator's own words (where a figure comes from); the runner ignores it. */
    note: z.string().optional(),
    /**
     * A server whose multimodal limits the runner sizes to the job: with it, the runner appends
     * the per-prompt image limit and the context length the largest episode needs.
     */
    engine: EngineSchema.optional(),
    /** The model's visual tokens for one benchmark image (its markers included). */
    tokensPerImage: z.number().int().positive().optional(),
    /** Text and chat-template tokens that come with each image: its question, its answer, roles. */
    textTokensPerShot: z.number().int().positive().optional(),
    /** The longest context the model takes (its position embeddings): past it, vLLM refuses. */
    contextLimit: z.number().int().positive().optional(),
  })
  .superRefine((profile, ctx) => {
    if (!profile.engine) {
      for (const field of ['tokensPerImage', 'textTokensPerShot', 'contextLimit'] as const)
        if (profile[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'sizes the context of an engine profile only: add "engine" or leave it out',
          });
      return;
    }
    const versionError = vllmVersionProblem(profile.engine.version);
    if (versionError)
      ctx.addIssue({ code: 'custom', path: ['engine', 'version'], message: versionError });
    if (profile.tokensPerImage === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tokensPerImage'],
        message:
          "required with an engine: the model's visual tokens per benchmark image, which size --max-model-len",
      });
    const taken = profile.command.find((arg) =>
      ENGINE_FLAGS.some(
        (flag) => arg === flag || arg.startsWith(`${flag}=`) || arg.startsWith(`${flag}.`),
      ),
    );
    if (taken)
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: `holds ${taken}, which the runner adds to an engine profile from the job's shot counts: leave it out`,
      });
  });
const ProfilesSchema = z.object({ profiles: z.record(z.string(), ProfileSchema) });
export type ServeProfile = z.infer<typeof ProfileSchema>;

/** The flags the runner writes for an engine profile, so a profile may not write them too. */
const ENGINE_FLAGS = ['--limit-mm-per-prompt', '--max-model-len'] as const;

/**
 * vLLM's `--limit-mm-per-prompt` took `image=N` from its start (0.5.5, vllm-project/vllm#7126)
 * and JSON from 0.8.5 (#16789), which kept `image=N` as a deprecated fallback until 0.10.0
 * removed it (#20969). The floor is 0.6.0, not 0.5.5, to be safe: several images in one chat
 * request through the OpenAI server, for the models that take them, came in the 0.6 releases.
 * Below 1.0: a major release may change flags again.
 */
export const VLLM_SUPPORTED = {
  from: [0, 6, 0],
  jsonFrom: [0, 8, 5],
  below: [1, 0, 0],
} as const satisfies Record<string, readonly [number, number, number]>;

const VLLM_VERSION =
  /^v?(\d+)\.(\d+)(?:\.(\d+)(?:\.\d+)?)?(?:[.+-]?(?:post|rc|dev)[0-9A-Za-z.+]*)?$/;

const dotted = (v: readonly number[]) => v.join('.');
const before = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
};

/** Which syntax a declared vLLM version takes, or why the runner will not say. */
function vllmSyntax(version: string): { syntax: 'json' | 'kv' } | { problem: string } {
  const m = VLLM_VERSION.exec(version.trim());
  if (!m)
    return {
      problem: `"${version}" is not a vLLM version: give x.y.z as \`vllm --version\` prints it`,
    };
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] as const;
  const range = `this runner supports vLLM ${dotted(VLLM_SUPPORTED.from)} up to (not including) ${dotted(VLLM_SUPPORTED.below)}`;
  if (before(v, VLLM_SUPPORTED.from))
    return {
      problem: `vLLM ${version} is older than ${dotted(VLLM_SUPPORTED.from)}, the floor for several images in one chat request; ${range}`,
    };
  if (!before(v, VLLM_SUPPORTED.below))
    return {
      problem: `vLLM ${version} is newer than the releases whose --limit-mm-per-prompt syntax this runner knows; ${range}`,
    };
  const [major, minor] = VLLM_SUPPORTED.jsonFrom;
  // "0.8" alone could be 0.8.4 (image=N only) or 0.8.5 (JSON): the patch decides.
  if (m[3] === undefined && v[0] === major && v[1] === minor)
    return {
      problem: `vLLM ${major}.${minor} changed the --limit-mm-per-prompt syntax at ${dotted(VLLM_SUPPORTED.jsonFrom)}: give the full version (x.y.z)`,
    };
  return { syntax: before(v, VLLM_SUPPORTED.jsonFrom) ? 'kv' : 'json' };
}

function vllmVersionProblem(version: string): string | null {
  const syntax = vllmSyntax(version);
  return 'problem' in syntax ? syntax.problem : null;
}

/** `--limit-mm-per-prompt`'s value for `images` images in the syntax of a vLLM version. */
export function vllmImageLimit(version: string, images: number): string {
  const syntax = vllmSyntax(version);
  if ('problem' in syntax) throw new CliError(syntax.problem);
  return syntax.syntax === 'json' ? JSON.stringify({ image: images }) : `image=${images}`;
}

/** Per image turn when a profile does not say: LCL's question and answer with role markers fit. */
export const DEFAULT_TEXT_TOKENS_PER_SHOT = 64;
/** The largest shot count a serve job asks for when its caller does not say. */
export const DEFAULT_MAX_SHOTS = 16;

/**
 * The context an episode of `maxShots` shots needs: every image (the shots and the query) with the
 * text around it, and the answer's token limit; rounded up to a multiple of 1,024 so the figure
 * is a plain one, and never past the model's own limit when the exact need fits it.
 */
export function contextLength(
  profile: ServeProfile,
  maxShots: number,
  completionTokens: number,
  name = 'this profile',
): number {
  if (profile.tokensPerImage === undefined)
    throw new CliError(`serve profile ${name}: tokensPerImage is required with an engine`);
  const images = maxShots + 1;
  const perImage =
    profile.tokensPerImage + (profile.textTokensPerShot ?? DEFAULT_TEXT_TOKENS_PER_SHOT);
  const needed = images * perImage + completionTokens;
  const rounded = Math.ceil(needed / 1024) * 1024;
  if (profile.contextLimit === undefined) return rounded;
  if (needed > profile.contextLimit)
    throw new CliError(
      `serve profile ${name}: ${maxShots}-shot episodes need ${needed} tokens of context (${images} images × ${perImage} + ${completionTokens} to answer), over its contextLimit of ${profile.contextLimit}`,
    );
  return Math.min(rounded, profile.contextLimit);
}

export async function loadServeProfiles(
  file: string | undefined,
): Promise<Record<string, ServeProfile>> {
  if (!file) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${file}: cannot read serve profiles: ${(error as Error).message}`);
  }
  const parsed = ProfilesSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data.profiles;
}

/** Model names go into a command line: letters, digits and . _ - / : only. */
export function checkModelName(model: string): string {
  if (!isSafeModelName(model)) {
    throw new CliError(`model name "${model}" may hold only letters, digits and . _ - / :`);
  }
  return model;
}

export interface ServeCommandOptions {
  /** Absent: `{model}` stays as written, for showing a profile's command. */
  model?: string;
  /** Absent: `{port}` stays as written. */
  port?: number;
  /** The largest shot count the job's episodes have (default 16): one image more is the limit. */
  maxShots?: number;
  /** The answer's token limit the context must leave room for (default: the generation default). */
  completionTokens?: number;
  /** The profile's name, for messages. */
  name?: string;
}

/**
 * The argument list a profile launches: its command with {model} and {port} filled in, and for an
 * engine profile the image limit and context length the job's largest episode needs appended.
 */
export function serveCommand(profile: ServeProfile, options: ServeCommandOptions = {}): string[] {
  const model = options.model === undefined ? undefined : checkModelName(options.model);
  const args = profile.command.map((part) => {
    let out = part;
    if (model !== undefined) out = out.replaceAll('{model}', model);
    if (options.port !== undefined) out = out.replaceAll('{port}', String(options.port));
    return out;
  });
  if (!profile.engine) return args;
  const name = options.name === undefined ? 'this profile' : `"${options.name}"`;
  const maxShots = options.maxShots ?? DEFAULT_MAX_SHOTS;
  if (!Number.isInteger(maxShots) || maxShots < 0)
    throw new CliError(`${maxShots} is not a shot count`);
  let limit: string;
  try {
    limit = vllmImageLimit(profile.engine.version, maxShots + 1);
  } catch (error) {
    throw new CliError(`serve profile ${name}: engine.version: ${(error as Error).message}`);
  }
  const context = contextLength(
    profile,
    maxShots,
    options.completionTokens ?? DEFAULT_GENERATION.maxTokens,
    name,
  );
  return [...args, '--limit-mm-per-prompt', limit, '--max-model-len', String(context)];
}

/** What answered `GET /version`: vLLM says `{"version": "0.10.1"}`. */
async function engineVersion(url: string): Promise<{ name: 'vllm'; version: string } | null> {
  try {
    const response = await fetch(`${url}/version`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return null;
    const body = (await response.json()) as unknown;
    const version = (body as { version?: unknown } | null)?.version;
    return typeof version === 'string' && version ? { name: 'vllm', version } : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface GpuTelemetry {
  gpus: { index: number; name: string }[];
  samples: number;
  peakMemoryMiB: number;
  meanUtilizationPct: number;
}

export interface ServedModel {
  /** Base URL of the server's OpenAI-compatible API. */
  url: string;
  /** The argument list that was launched, placeholders filled in. */
  command: string[];
  /** For an engine profile, the version the server itself reports; null if it said none. */
  engine: { name: 'vllm'; version: string } | null;
  telemetry(): GpuTelemetry;
  /** Stops the server and its children (the whole process group). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Launches a model server from a profile on the given GPUs (CUDA_VISIBLE_DEVICES), waits for its
 * health endpoint, and samples the GPUs' memory and utilisation while it runs.
 */
export async function startServedModel(
  profile: ServeProfile,
  model: string,
  gpus: readonly number[],
  options: {
    log: (line: string) => void;
    /** The environment the server inherits (the runner's own, from env.ts). */
    baseEnv: Readonly<Record<string, string | undefined>>;
    signal?: AbortSignal;
    sampleMs?: number;
    /** The largest shot count of the job's episodes (default 16), for an engine profile. */
    maxShots?: number;
    /** The answer's token limit, for an engine profile's context length. */
    completionTokens?: number;
    /** The profile's name, for messages. */
    name?: string;
  },
): Promise<ServedModel> {
  const port = await freePort();
  const args = serveCommand(profile, {
    model,
    port,
    maxShots: options.maxShots,
    completionTokens: options.completionTokens,
    name: options.name,
  });
  const [command, ...rest] = args as [string, ...string[]];
  const child: ChildProcess = spawn(command, rest, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...options.baseEnv, ...profile.env, CUDA_VISIBLE_DEVICES: gpus.join(',') },
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
  spawnError.catch(() => {});
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopped = false;
  const stop = async () => {
    if (stopped || child.pid === undefined) return;
    stopped = true;
    clearInterval(sampler);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    const gone = new Promise((resolve) =>
      exited !== undefined ? resolve(null) : child.once('exit', resolve),
    );
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, 10_000);
    await gone;
    clearTimeout(timer);
  };

  const samples: GpuState[][] = [];
  const sampler = setInterval(() => {
    void listGpus().then((all) => samples.push(all.filter((g) => gpus.includes(g.index))));
  }, options.sampleMs ?? 5_000);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + profile.startupTimeoutS * 1000;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new Error('cancelled while the model server was starting');
      if (exited !== undefined)
        throw new Error(
          `the model server exited (code ${exited}) before it was healthy: ${tail.slice(-5).join(' | ')}`,
        );
      const healthy = await fetch(`${url}${profile.health}`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline)
        throw new Error(`the model server was not healthy after ${profile.startupTimeoutS} s`);
      await Promise.race([new Promise((r) => setTimeout(r, 500)), spawnError]);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  options.log(
    `model server for ${model} healthy on port ${port} (GPUs: ${gpus.join(',') || 'none'})`,
  );
  let engine: ServedModel['engine'] = null;
  if (profile.engine) {
    engine = await engineVersion(url);
    // The declared version chose the flags' syntax; a server that reports another one still
    // started with them, but the profile no longer says what runs.
    if (!engine) options.log('the model server did not say its version (GET /version)');
    else if (engine.version !== profile.engine.version)
      options.log(
        `the model server reports vLLM ${engine.version}; its profile declares ${profile.engine.version}`,
      );
  }
  return {
    url: `${url}/v1`,
    command: args,
    engine,
    telemetry() {
      const flat = samples.flat();
      const names = new Map<number, string>();
      for (const g of flat) names.set(g.index, g.name);
      return {
        gpus: gpus.map((index) => ({ index, name: names.get(index) ?? 'unknown' })),
        samples: samples.length,
        peakMemoryMiB: flat.reduce((m, g) => Math.max(m, g.memoryUsedMiB), 0),
        meanUtilizationPct: flat.length
          ? flat.reduce((s, g) => s + g.utilizationPct, 0) / flat.length
          : 0,
      };
    },
    stop,
  };
}
