import { readFile } from 'node:fs/promises';
import {
  type BenchmarkSummary,
  benchmarkName,
  buildEpisodes,
  type CreateSubmissionBody,
  CreateSubmissionBodySchema,
  DEFAULT_POLICY,
  DEFAULT_RANKED_SETTING,
  describeEstimate,
  type EndpointApi,
  exportOptions,
  indexBenchmark,
  issueList,
  type PolicyName,
  rankedSettingFor,
  type SubmissionRequest,
  SubmissionRequestSchema,
  type SubmissionSpec,
  SubmissionSpecSchema,
  WEIGHTS,
  WebhookUrlSchema,
  type Weights,
} from '@linkboard/core';
import { type DatasetDir, loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import { accountByEmail, type Db, queueStatus } from '@linkboard/db';
import {
  estimate,
  SubmitRefused,
  type SubmitRequest,
  type Submitter,
  submit,
} from '@linkboard/platform';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { readPredictionsFile } from '../adapters/predictions';
import { BUILTIN_MODELS, isBuiltinName, unknownBuiltin } from '../baselines';
import { noticeTo, openDatabase } from '../database';
import {
  DEFAULT_BENCHMARK,
  pickBenchmark,
  resolveLocalBenchmark,
  withSecretFiles,
} from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import {
  adapterOption,
  addGenerationOptions,
  type GenerationFlags,
  generationFromFlags,
  POLICY_HELP,
  parseNonNegativeNumber,
  parsePolicies,
  parsePositiveInt,
  parseShots,
  secretFromEnv,
} from '../options';
import { checkModelName } from '../serve/serve';
import { siteClient } from '../site-client';
import { publishDataset } from '../worker/images';
import { datasetDirOf } from './episodes';
import { localStatusSource, showStatus, siteStatusSource } from './status';

interface SubmitFlags extends GenerationFlags {
  owner?: string;
  site?: string;
  tokenEnv?: string;
  name: string;
  organisation?: string;
  paramsB?: number;
  weights?: Weights;
  licence?: string;
  baseModel?: string;
  modelUrl?: string;
  revision?: string;
  adapter?: EndpointApi;
  endpoint?: string;
  model?: string;
  apiKeyEnv?: string;
  serve?: string;
  predictions?: string;
  builtin?: string;
  manifest?: string;
  benchmark?: string;
  ranked?: boolean;
  wait?: boolean;
  shots?: number[];
  policy: PolicyName[];
  draws?: number;
  private?: boolean;
  maxImageSide?: number;
  webhook?: string;
  inputPrice?: number;
  outputPrice?: number;
  maxCost?: number;
  estimate?: boolean;
}

/** `linkboard submit`: queues a submission and prints its id and queue position. */
export function registerSubmit(program: Command, io: Io, env: Env): void {
  const submitCommand = program
    .command('submit')
    .description('queue a model for evaluation on a benchmark (default: the embedded isekai-synth)')
    .requiredOption('--name <name>', 'the model’s name on the leaderboard')
    .option('--organisation <org>', 'who made it (model card)')
    .option(
      '--params-b <billions>',
      'model card: parameter count in billions (7, 0.5)',
      parseNonNegativeNumber,
    )
    .addOption(
      new Option('--weights <which>', 'model card: open or closed weights').choices(WEIGHTS),
    )
    .option('--licence <id>', 'model card: licence identifier (apache-2.0, mit, proprietary…)')
    .option('--base-model <name>', 'model card: the model it was fine-tuned from')
    .option('--model-url <url>', 'model card: the model’s page (http or https)')
    .option('--revision <rev>', 'the checkpoint this submission runs (commit, hub revision, date)')
    .option(
      '--input-price <usd>',
      'model card: US dollars per million prompt tokens (images included), for the estimate and the run’s cost',
      parseNonNegativeNumber,
    )
    .option(
      '--output-price <usd>',
      'model card: US dollars per million completion tokens',
      parseNonNegativeNumber,
    )
    .option(
      '--max-cost <usd>',
      'stop the run once its answers have cost this much (needs the prices; its answers so far are kept)',
      parseNonNegativeNumber,
    )
    .option('--estimate', 'print what the run would use (tokens, cost, time) and queue nothing')
    .addOption(adapterOption())
    .option(
      '--endpoint <url>',
      'the API base URL (an OpenAI-compatible one ends in /v1; optional with --adapter anthropic or gemini)',
    )
    .option('--model <model>', 'the model name at the endpoint or for the serve profile')
    .option(
      '--api-key-env <var>',
      'environment variable holding the endpoint’s API key (stored encrypted)',
    )
    .option(
      '--serve <profile>',
      'a serve profile of the operator’s (the runner launches the model on GPUs)',
    )
    .option('--predictions <file>', 'JSONL {"episode_id","answer"} for the exported episodes')
    .option('--builtin <name>', `a built-in baseline: ${BUILTIN_MODELS.join(', ')}`)
    .option(
      '--benchmark <name[@version]>',
      `the benchmark version, as the site or \`linkboard calibrate\` names it (default: ${DEFAULT_BENCHMARK.name}@${DEFAULT_BENCHMARK.version})`,
    )
    .option('--manifest <dir>', 'a benchmark dataset folder instead (matched by its manifest hash)')
    .option(
      '--ranked',
      'a ranked run: a fresh draw of its own from this deployment’s key (one concept per episode, lcl and flip; score = their mean)',
    )
    .option('--shots <list>', 'shot counts (default: the benchmark’s ranked setting)', parseShots)
    .addOption(
      new Option('--policy <list>', POLICY_HELP)
        .argParser(parsePolicies)
        .default([DEFAULT_POLICY], DEFAULT_POLICY),
    )
    .option(
      '--draws <n>',
      'support sets per query (default: the ranked setting’s)',
      parsePositiveInt,
    )
    .option('--max-image-side <px>', 'shrink larger images before sending', parsePositiveInt);
  addGenerationOptions(submitCommand)
    .option('--private', 'visible to its owner only until published')
    .option(
      '--owner <email>',
      "submit on this account's behalf: its daily quota and role apply, as on the site (default: the operator, who has no quota)",
    )
    .option(
      '--webhook <url>',
      'POST a signed JSON summary here when the submission is done, failed or cancelled (its secret is printed once)',
    )
    .option(
      '--site <url>',
      'submit through a linkboard site (with --token-env) instead of to the database directly',
    )
    .option(
      '--token-env <var>',
      'environment variable holding your API key from the site’s API keys page (/tokens)',
    )
    .option('--wait', 'follow it until it ends, then print its status (exit 1 if it failed)')
    .action(async (flags: SubmitFlags, command: Command) => {
      if (flags.benchmark !== undefined && flags.manifest !== undefined)
        throw new CliError('give --benchmark or --manifest, not both');
      if (flags.owner !== undefined && flags.site !== undefined)
        throw new CliError(
          '--owner is for the database; through --site the token says who submits',
        );
      if (flags.ranked) {
        const conflicting = ['benchmark', 'manifest', 'draws', 'policy', 'predictions'].filter(
          (o) => command.getOptionValueSource(o) === 'cli',
        );
        if (conflicting.length)
          throw new CliError(
            `--ranked draws its own episodes (lcl and flip, one draw each) and is scored by the platform; it takes no ${conflicting.map((o) => `--${o}`).join(', ')}`,
          );
        // Through a site the draw is the site's, at its shot counts.
        if ((flags.site || flags.owner) && command.getOptionValueSource('shots') === 'cli')
          throw new CliError(
            `--ranked ${flags.site ? 'through --site is drawn by the site' : 'for an account (--owner) is drawn'} at the platform's shot counts; it takes no --shots`,
          );
      }
      // An API named on its own (`--adapter anthropic`) is an endpoint at its public URL.
      const namedApi = command.getOptionValueSource('adapter') === 'cli';
      if (namedApi && (flags.serve || flags.predictions || flags.builtin))
        throw new CliError(
          '--adapter names the API of an --endpoint; it does not apply to --serve, --predictions or --builtin',
        );
      const atEndpoint = Boolean(flags.endpoint) || namedApi;
      const ways = [atEndpoint, flags.serve, flags.predictions, flags.builtin].filter(
        Boolean,
      ).length;
      if (ways !== 1)
        throw new CliError(
          'say how to reach the model with exactly one of --endpoint, --serve, --predictions, --builtin',
        );
      // The request the site takes too (core's schema): checked here before anything is loaded.
      const kind = atEndpoint
        ? 'endpoint'
        : flags.serve
          ? 'serve'
          : flags.predictions
            ? 'predictions'
            : undefined;
      // Unstated shots and draws are the benchmark's ranked setting (known once it is loaded),
      // so that a submission ranks unless it says otherwise.
      const stated = {
        name: flags.name,
        organisation: flags.organisation,
        paramsB: flags.paramsB,
        weights: flags.weights,
        licence: flags.licence,
        baseModel: flags.baseModel,
        modelUrl: flags.modelUrl,
        revision: flags.revision,
        inputUsdPerMTok: flags.inputPrice,
        outputUsdPerMTok: flags.outputPrice,
        shots: flags.shots ?? DEFAULT_RANKED_SETTING.shots,
        policies: flags.policy,
        draws: flags.draws ?? DEFAULT_RANKED_SETTING.draws,
        private: Boolean(flags.private),
      };
      // Generation settings are for models run here: an upload or a baseline refuses them.
      const generation = generationFromFlags(flags, kind === 'endpoint' || kind === 'serve');
      // The same URL rules as an endpoint (core's schema), for a built-in baseline too.
      const webhook =
        flags.webhook === undefined
          ? undefined
          : checked(z.object({ webhook: WebhookUrlSchema }), { webhook: flags.webhook }).webhook;
      const request: SubmissionRequest | undefined = kind
        ? checked(SubmissionRequestSchema, {
            ...stated,
            kind,
            adapter: kind === 'endpoint' ? flags.adapter : undefined,
            endpoint: flags.endpoint,
            model: flags.model,
            profile: flags.serve,
            maxImageSide: flags.maxImageSide,
            maxCostUsd: flags.maxCost,
            webhook,
            ...generation,
          })
        : undefined;
      const wanted: SubmissionSpec = request ?? checked(SubmissionSpecSchema, stated);
      if (flags.site && !request)
        throw new CliError('--builtin runs on the platform itself; use it without --site');
      // Through a site, the version is the site's, found by name: nothing is generated here
      // unless uploaded predictions need this machine to know their episode ids.
      const target = flags.site ? await siteTarget(env, flags) : undefined;
      const needsLocal =
        !flags.ranked &&
        (!target || flags.predictions !== undefined || flags.manifest !== undefined);
      const dataset = !needsLocal
        ? undefined
        : flags.manifest
          ? await loadDataset(datasetDirOf(flags.manifest))
          : await resolveLocalBenchmark(
              flags.benchmark ?? `${DEFAULT_BENCHMARK.name}@${DEFAULT_BENCHMARK.version}`,
              env,
              io,
            );
      if (target && dataset) target.match(dataset.manifest.manifestHash);
      // A ranked run is drawn once its settings are known (below); its setting is the draw's.
      const ranked = flags.ranked
        ? { ...DEFAULT_RANKED_SETTING, draws: 1 }
        : (target?.version()?.rankedSetting ??
          rankedSettingFor(indexBenchmark((dataset as DatasetDir).manifest)));
      for (const stating of [wanted, request]) {
        if (!stating) continue;
        if (!flags.shots) stating.shots = ranked.shots;
        if (!flags.draws) stating.draws = ranked.draws;
      }
      const spec = { shots: wanted.shots, policies: wanted.policies, draws: wanted.draws };

      if (request?.kind === 'endpoint' && !request.model)
        throw new CliError('--endpoint needs --model (the model name the endpoint serves)');
      if (request?.kind === 'serve') {
        if (!request.model)
          throw new CliError('--serve needs --model (what the profile should serve)');
        checkModelName(request.model);
      }
      if (flags.builtin !== undefined && !isBuiltinName(flags.builtin))
        throw new CliError(`--builtin: ${unknownBuiltin(flags.builtin)}`);
      const apiKey = flags.apiKeyEnv
        ? secretFromEnv(env.secrets, '--api-key-env', flags.apiKeyEnv)
        : undefined;

      if (target) {
        // The site checks the request again with its own policy, and seals the key with its own
        // secret; only the episode ids an upload answers are checked here first.
        let predictions: Map<string, string | null> | undefined;
        if (flags.predictions) {
          const index = indexBenchmark((dataset as DatasetDir).manifest, {
            sha256Hex: nodeSha256Hex,
          });
          const episodes = [...buildEpisodes(index, spec)];
          predictions = await readPredictionsFile(
            flags.predictions,
            new Set(episodes.map((e) => e.id)),
            exportOptions(episodes),
          );
        }
        const body = target.body({ request: request as SubmissionRequest, predictions, apiKey });
        if (asksModel(body.kind))
          io.stdout.write(`estimate: ${describeEstimate(await target.client.estimate(body))}\n`);
        if (flags.estimate) return noEstimate(io, body.kind);
        const created = await target.client.createSubmission(body);
        io.stdout.write(
          `submission ${created.id}: ${flags.name} on ${target.describe()}, ${created.episodes} episodes; follow it at ${target.base}/submissions/${created.id}\n`,
        );
        if (created.webhookSecret) io.stdout.write(webhookSecretLine(created.webhookSecret));
        if (flags.wait)
          await showStatus(io, siteStatusSource(target.client, target.base), created.id, {
            wait: true,
          });
        return;
      }
      // Straight to the database: the platform's one `submit()`, as the site's form and API call
      // it, with every rule (caps, endpoint policy, ranked-run rules; with --owner, that account's
      // quota and role). Without --owner the operator submits, who has no quota.
      const predictionsText = flags.predictions
        ? await readPredictionsText(flags.predictions)
        : undefined;
      const database = await openDatabase(env, { notice: noticeTo(io) });
      let submitted: number;
      try {
        const submitter = await submitterOf(database.db, flags.owner);
        const local = dataset as DatasetDir | undefined;
        // On the database now, the version is named as every door names it: the platform
        // resolves `name@version` to the version this has just published.
        if (local) await publishDataset(database.db, env, local);
        const where = flags.ranked
          ? { ranked: true }
          : { ranked: false, benchmark: local && benchmarkName(local.manifest.benchmark) };
        const body: SubmitRequest = request
          ? checked(CreateSubmissionBodySchema, {
              ...request,
              ...where,
              apiKey,
              predictions: predictionsText,
            })
          : { ...wanted, ...where, webhook, kind: 'builtin', builtin: flags.builtin as string };
        if (asksModel(body.kind))
          io.stdout.write(
            `estimate: ${describeEstimate(await refused(() => estimate(database.db, env.platform, submitter, body)))}\n`,
          );
        if (flags.estimate) return noEstimate(io, body.kind);
        const made = await withSecretFiles(() =>
          refused(() =>
            submit(database.db, env.platform, submitter, body, {
              predictionsFile: flags.predictions,
            }),
          ),
        );
        const on = made.commitment
          ? `a ranked draw of its own (commitment ${made.commitment.slice(0, 16)}…)`
          : `${local?.manifest.benchmark.name}@${local?.manifest.benchmark.version}`;
        const status = await queueStatus(database.db, made.submissionId);
        io.stdout.write(
          `submission ${made.submissionId}: ${flags.name} on ${on}, ${made.episodes} episodes in ${made.jobs} job(s); queue position ${status?.position ?? '–'}\n`,
        );
        if (made.webhookSecret) io.stdout.write(webhookSecretLine(made.webhookSecret));
        submitted = made.submissionId;
      } finally {
        await database.shutdown();
      }
      if (flags.wait) {
        const source = await localStatusSource(env, io);
        try {
          await showStatus(io, source, submitted, { wait: true });
        } finally {
          await source.close();
        }
      }
    });
}

/** Whether a run of this kind asks a model (an upload or a baseline costs no tokens). */
const asksModel = (kind: string) => kind === 'endpoint' || kind === 'serve';

/** `--estimate` queues nothing; where there is nothing to estimate it says so. */
function noEstimate(io: Io, kind: string): void {
  if (!asksModel(kind))
    io.stdout.write(`estimate: nothing to estimate: a ${kind} run asks no model\n`);
  io.stdout.write('--estimate: nothing was queued\n');
}

/** The platform's refusal as a usage error: its message is already what the person must change. */
async function refused<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof SubmitRefused) throw new CliError(byFlag(error.message));
    throw error;
  }
}

/**
 * Who submits: the account `--owner` names (its quota and role apply, as on the site), else the
 * operator, who holds the database's credentials.
 */
async function submitterOf(db: Db, owner: string | undefined): Promise<Submitter> {
  if (owner === undefined) return { kind: 'operator' };
  const account = await accountByEmail(db, owner);
  if (!account)
    throw new CliError(
      `--owner: no account with the email ${owner} (it signs up on the site first)`,
    );
  return { kind: 'account', id: account.id, role: account.role };
}

/** An upload's text, read whole: the platform parses it (and names this file in its errors). */
async function readPredictionsText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read predictions: ${(error as Error).message}`);
  }
}

/** Parses what the flags state with core's schema, naming the field at fault. */
function checked<T>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: import('zod').ZodError };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(`submit: ${byFlag(issueList(parsed.error))}`);
  }
  return parsed.data;
}

/** A problem named by the flag that stated the field, where one did. */
function byFlag(problems: string): string {
  let named = problems;
  for (const [field, flag] of Object.entries(FLAG_OF_FIELD))
    named = named.replaceAll(`field ${field}:`, `${flag}:`);
  return named;
}

/** The request fields that a flag of another name states. */
const FLAG_OF_FIELD: Record<string, string> = {
  name: '--name',
  organisation: '--organisation',
  paramsB: '--params-b',
  weights: '--weights',
  licence: '--licence',
  baseModel: '--base-model',
  modelUrl: '--model-url',
  revision: '--revision',
  inputUsdPerMTok: '--input-price',
  outputUsdPerMTok: '--output-price',
  maxCostUsd: '--max-cost',
  adapter: '--adapter',
  endpoint: '--endpoint',
  model: '--model',
  profile: '--serve',
  predictions: '--predictions',
  webhook: '--webhook',
};

/** The site a `submit --site` goes to, and the benchmark version it names there. */
interface SiteTarget {
  client: ReturnType<typeof siteClient>;
  base: string;
  /** The version, once named by --benchmark or the default, or matched by a manifest. */
  version(): BenchmarkSummary | undefined;
  /** Checks (or, for --manifest, finds) the version by the local manifest's hash. */
  match(manifestHash: string): void;
  describe(): string;
  /** The site's request body for what the flags state (estimated, then submitted). */
  body(made: {
    request: SubmissionRequest;
    predictions?: ReadonlyMap<string, string | null>;
    apiKey?: string;
  }): CreateSubmissionBody;
}

/**
 * `submit --site URL --token-env VAR`: the site's public API with an API token, for people who
 * reach a shared linkboard rather than its database. The version is the site's, by
 * `--benchmark name@version` (default: the embedded default's name and version), so nothing need
 * be generated here; `--manifest` matches a local folder by its hash instead. The token is read
 * from the environment, never from the command line, and never printed.
 */
async function siteTarget(env: Env, flags: SubmitFlags): Promise<SiteTarget> {
  if (!flags.tokenEnv)
    throw new CliError(
      `--site needs --token-env naming an environment variable that holds your token (create one at ${flags.site}/tokens)`,
    );
  const token = secretFromEnv(env.secrets, '--token-env', flags.tokenEnv);
  const base = (flags.site as string).replace(/\/+$/, '');
  const client = siteClient(base, token);
  const versions = await client.benchmarks();
  // A ranked run names no version: the site draws one for it.
  let version: BenchmarkSummary | undefined =
    flags.manifest === undefined && !flags.ranked
      ? pickBenchmark(
          flags.benchmark ?? `${DEFAULT_BENCHMARK.name}@${DEFAULT_BENCHMARK.version}`,
          versions,
          `on ${base}`,
          {
            describe: (v) => `${v.name}@${v.version}${v.retired ? ' (retired)' : ''}`,
            preferred: (v) => v.version === DEFAULT_BENCHMARK.version,
          },
        )
      : undefined;
  const chosen = () => {
    if (!version) throw new Error('siteTarget: no version chosen yet');
    return version;
  };
  return {
    client,
    base,
    version: () => version,
    match(manifestHash) {
      if (version && version.manifestHash !== manifestHash)
        throw new CliError(
          `${base} holds another ${version.name}@${version.version} than this machine (manifest ${version.manifestHash.slice(0, 12)} there, ${manifestHash.slice(0, 12)} here)`,
        );
      version ??= versions.find((v) => v.manifestHash === manifestHash);
      if (!version)
        throw new CliError(
          `${base} does not have this benchmark (manifest ${manifestHash.slice(0, 12)}); ask its operator to add it`,
        );
    },
    describe: () =>
      flags.ranked
        ? `${base} (a ranked draw of its own)`
        : `${base} (${chosen().name}@${chosen().version})`,
    body: ({ request, predictions, apiKey }) => ({
      // The site's version by its one name: the site turns it into its own id.
      ...(flags.ranked ? { ranked: true } : { benchmark: benchmarkName(chosen()) }),
      ...request,
      apiKey,
      predictions: predictions
        ? [...predictions]
            .map(([id, answer]) => JSON.stringify({ episode_id: id, answer }))
            .join('\n')
        : undefined,
    }),
  };
}

/** The webhook's signing key, printed this once: it is stored encrypted and never shown again. */
const webhookSecretLine = (secret: string) =>
  `webhook secret (shown once; verify deliveries with it and a Standard Webhooks library): ${secret}\n`;
