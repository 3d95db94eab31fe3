import { lookup } from 'node:dns/promises';
import {
  type AdapterConfig,
  AdapterConfigError,
  BenchmarkNameError,
  type BenchmarkNameRefusal,
  buildEpisodes,
  type CreateSubmissionBodySchema,
  cardPrices,
  checkEndpoint,
  countEpisodes,
  DEFAULT_POLICY,
  DEFAULT_RANKED_SETTING,
  type EndpointApi,
  EndpointRefusedError,
  exportOptions,
  indexBenchmark,
  isSafeModelName,
  modelNameKey,
  PredictionsError,
  parseAdapterConfig,
  parsePredictions,
  requestAdapterConfig,
  resolveBenchmarkVersion,
} from '@linkboard/core';
import { drawRankedRun, rankedPerPolicy } from '@linkboard/datasets/ranked-run';
import {
  assertQuotaLeft,
  ConflictError,
  createRankedSubmission,
  createSubmission,
  type Db,
  encryptSecret,
  getBenchmarkVersion,
  listBenchmarkVersions,
  loadSecretKey,
  ModelNameError,
  mayRunRanked,
  modelOfCard,
  NOT_PARTICIPANT,
  NotParticipantError,
  newWebhookSecret,
  type Quota,
  QuotaError,
  RankedDrawError,
  RetiredVersionError,
  refuseClosedVersion,
  rerunErroredEpisodes,
  retrySubmission,
  submissionOwner,
  type UserRole,
} from '@linkboard/db';
import type { z } from 'zod';
import { mayChange } from './readers';
import type { PlatformSettings } from './settings';

/**
 * Who asks: an account (the site, its REST API, `linkboard submit --site`, or the CLI on an
 * account's behalf with `--owner`), whose quota and role apply; or the operator at the CLI with
 * the database's credentials, who owns the platform and has no quota.
 */
export type Submitter = { kind: 'account'; id: string; role: UserRole } | { kind: 'operator' };

/** Why a request was refused: each app turns it into its own answer (HTTP status, CLI error). */
export type RefusalReason =
  | 'invalid'
  | 'not-found'
  | 'forbidden'
  | 'quota'
  | 'conflict'
  /** A closed version (retired, or a ranked run's draw asked again). */
  | 'closed';

/** A request the platform will not queue, with the reason and a message a person can act on. */
export class SubmitRefused extends Error {
  override name = 'SubmitRefused';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The database's own refusals as the platform's: every caller gets them one way. Anything else
 * is unexpected and passes through.
 */
export async function refusing<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof ModelNameError) throw new SubmitRefused('invalid', error.message);
    if (error instanceof QuotaError) throw new SubmitRefused('quota', error.message);
    if (error instanceof ConflictError) throw new SubmitRefused('conflict', error.message);
    if (error instanceof RankedDrawError || error instanceof RetiredVersionError)
      throw new SubmitRefused('closed', error.message);
    if (error instanceof NotParticipantError) throw new SubmitRefused('forbidden', error.message);
    throw error;
  }
}

const invalid = (message: string): never => {
  throw new SubmitRefused('invalid', message);
};

/**
 * The submission request, parsed by core's schema (what the site, the API and the CLI send): its
 * version named `benchmark` (`name@version`). The platform's own callers that hold the version
 * already (the CLI's published dataset, `start`'s baselines) may name it by its database id
 * instead, which no door of the site takes.
 */
export type SubmitBody = z.output<typeof CreateSubmissionBodySchema> & {
  benchmarkVersionId?: number;
};

/** How each door's refusal of a version's name reads as the platform's. */
const REFUSAL_OF_NAME: Record<BenchmarkNameRefusal, RefusalReason> = {
  unknown: 'not-found',
  ambiguous: 'invalid',
  // A ranked run's draw is its run's alone (as `refuseClosedVersion` says of one by id).
  ranked: 'closed',
};

/**
 * The benchmark version a request names, `name@version` (or a name alone: its newest public
 * version), among those the site lists: core's `resolveBenchmarkVersion`, the one rule. Every door
 * that takes a version by name comes here (`submit()`, `estimate()` and connection tests, for the
 * site's form, its API and `linkboard submit --site`), so the name becomes the database id in one
 * place. An unknown name is `not-found` with what there is.
 */
export async function benchmarkVersionNamed(db: Db, spec: string) {
  try {
    return resolveBenchmarkVersion(spec, await listBenchmarkVersions(db));
  } catch (error) {
    if (error instanceof BenchmarkNameError)
      throw new SubmitRefused(REFUSAL_OF_NAME[error.reason], error.message);
    throw error;
  }
}

/** The database id of the version a request names: by name, or as the platform's own callers hold it. */
async function versionIdOf(
  db: Db,
  request: { benchmark?: string; benchmarkVersionId?: number },
): Promise<number | undefined> {
  if (request.benchmark !== undefined && request.benchmarkVersionId !== undefined)
    invalid('field benchmark: name the benchmark version once (benchmark), not by its id as well');
  return request.benchmark !== undefined
    ? (await benchmarkVersionNamed(db, request.benchmark)).id
    : request.benchmarkVersionId;
}

/**
 * What `submit()` takes: core's request, or one of the operator's own (a built-in baseline, which
 * runs on the platform's CPU; or a model of the platform's own servers, such as the reference
 * server `linkboard start` seeds its baselines through, named by an adapter config no account may
 * state).
 */
export type SubmitRequest =
  | SubmitBody
  | (Omit<SubmitBody, 'kind'> & { kind: 'builtin'; builtin: string })
  | (Omit<SubmitBody, 'kind'> & { kind: 'internal'; adapterConfig: AdapterConfig });

export interface Submitted {
  submissionId: number;
  jobs: number;
  episodes: number;
  /** The webhook's signing key, when one was named: shown once, stored encrypted. */
  webhookSecret?: string;
  /** A ranked run's draw commitment (revealed with its seed when the run ends). */
  commitment?: string;
}

/** Policies of a ranked draw: lcl and flip at each shot count. */
const RANKED_POLICIES = 2;

/** What the platform names its connection tests' models, which no submission may take. */
const CONNECTION_TEST = 'connection test';

/**
 * Whether a submitted name is one of the platform's own: a connection test's model is named after
 * its account, so another account holding that name (by its key, look-alikes too) would refuse
 * that account's every connection test.
 */
const reservedName = (name: string) => modelNameKey(name).startsWith(modelNameKey(CONNECTION_TEST));

/** The daily quota of runs that applies to this submitter: none for the operator. */
export function runQuota(settings: PlatformSettings, submitter: Submitter): Quota | undefined {
  return submitter.kind === 'account'
    ? { ownerId: submitter.id, limit: settings.dailyQuota, probes: false }
    : undefined;
}

/**
 * Refuses, before anything is queued, an endpoint or webhook the runner would refuse: the same
 * policy (core's `checkEndpoint`) and the same DNS. The runner checks again when it connects,
 * pinned. Returns the URL as it will be stored.
 */
export async function checkedEndpoint(
  settings: Pick<PlatformSettings, 'endpoints'>,
  endpoint: string,
  field: 'endpoint' | 'webhook' = 'endpoint',
): Promise<string> {
  try {
    const { url } = await checkEndpoint(endpoint, settings.endpoints, (host) =>
      lookup(host, { all: true, verbatim: true }),
    );
    return url.href;
  } catch (error) {
    if (error instanceof EndpointRefusedError)
      throw new SubmitRefused(
        'invalid',
        field === 'endpoint'
          ? error.message
          : `field ${field}: ${error.message.replace(/^endpoint /, `${field} `)}`,
      );
    throw error;
  }
}

/** Seals a secret (an API key, a webhook's signing key) with the deployment's key. */
export async function sealSecret(settings: PlatformSettings, secret: string): Promise<string> {
  return encryptSecret(
    await loadSecretKey({ fromEnv: settings.secretKey, dataDir: settings.dataDir }),
    secret,
  );
}

/** The adapter config a request names, or a refusal naming the field. */
export function typedConfig(build: () => AdapterConfig): AdapterConfig {
  try {
    return build();
  } catch (error) {
    if (error instanceof AdapterConfigError) throw new SubmitRefused('invalid', error.message);
    throw error;
  }
}

/** The URL an endpoint config calls (a config of another kind has none). */
export function endpointOf(config: AdapterConfig): string {
  if ('endpoint' in config && config.endpoint) return config.endpoint;
  return invalid('field endpoint: a URL is required');
}

/**
 * What a request would run, checked: who may, on which version (none: a ranked draw), its episodes'
 * spec and count under the cap. The first half of `submit()`, which `estimate()` shares, so that an
 * estimate is of exactly the run the request would queue.
 */
export async function planRun(
  db: Db,
  settings: PlatformSettings,
  submitter: Submitter,
  request: SubmitRequest,
) {
  const account = submitter.kind === 'account' ? submitter : null;
  if ((request.kind === 'builtin' || request.kind === 'internal') && account)
    throw new SubmitRefused(
      'forbidden',
      "built-in baselines and the platform's own model servers are the operator's",
    );
  if (request.ranked && account && !mayRunRanked(account.role, settings.rankedOpen))
    throw new SubmitRefused('forbidden', NOT_PARTICIPANT);
  // Core's schema says this of the requests it parses; the operator's own kinds are held to it here.
  const namesVersion = request.benchmark !== undefined || request.benchmarkVersionId !== undefined;
  if (request.ranked === namesVersion)
    invalid(
      request.ranked
        ? 'field benchmark: a ranked run draws its own episodes: give no benchmark'
        : 'field benchmark: required: the benchmark version to run, name@version (or ranked: true for a ranked run)',
    );
  if (reservedName(request.name))
    invalid(`field name: "${request.name}" is a name of the platform's own (its connection tests)`);
  const versionId = await versionIdOf(db, request);
  const version =
    versionId === undefined
      ? null
      : ((await getBenchmarkVersion(db, versionId)) ??
        (() => {
          throw new SubmitRefused('not-found', `benchmark version ${versionId} does not exist`);
        })());
  // Before anything of the version is read: checked against a draw, an upload's episode ids
  // would say which of them it has.
  if (version) await refusing(async () => refuseClosedVersion(version, { ranked: false }));
  // A ranked run's shot counts are the platform's; the operator may draw at others.
  const shots =
    request.ranked && account ? DEFAULT_RANKED_SETTING.shots : (request.shots ?? undefined);
  const spec = { shots: shots ?? [], policies: request.policies ?? [], draws: request.draws };
  const index = version ? indexBenchmark(version.manifest) : null;
  // The cap on every run: a version's episodes as asked, a ranked draw's by its size (lcl and
  // flip at each shot count), known before anything is drawn.
  let episodeCount = 0;
  const rankedShots = shots ?? DEFAULT_RANKED_SETTING.shots;
  const perPolicy = settings.rankedPerPolicy ?? rankedPerPolicy(rankedShots.length);
  try {
    episodeCount = index
      ? countEpisodes(index, spec)
      : perPolicy * rankedShots.length * RANKED_POLICIES;
  } catch (error) {
    invalid((error as Error).message);
  }
  if (episodeCount > settings.maxEpisodes)
    invalid(
      `${episodeCount.toLocaleString('en')} episodes is more than one submission may ask for (${settings.maxEpisodes.toLocaleString('en')}); use fewer shot counts${index ? ', policies or draws' : ' or a smaller draw'}`,
    );

  if (request.maxCostUsd !== undefined && !cardPrices(request))
    invalid(
      'field maxCostUsd: a cost cap needs the prices it is counted at: state the model card’s inputUsdPerMTok and outputUsdPerMTok',
    );
  return { account, version, index, spec, shots, episodeCount, rankedShots, perPolicy };
}

/**
 * Queues a submission: the one door every path goes through (the site's form, `POST
 * /api/v1/submissions`, `linkboard submit` to the database or through a site). It holds each rule
 * once: who may run ranked runs, the closed versions, the episode cap, the endpoint policy for
 * the endpoint and the webhook, the model-name key (db's `registerModel`), secrets sealed, and
 * the daily quota, used in the same transaction that creates the run. Refusals are
 * `SubmitRefused`; nothing is stored for a refused request.
 *
 * `predictionsFile` names the upload in its errors (the CLI's file; the site's `predictions.jsonl`).
 */
export async function submit(
  db: Db,
  settings: PlatformSettings,
  submitter: Submitter,
  request: SubmitRequest,
  options: { predictionsFile?: string } = {},
): Promise<Submitted> {
  const plan = await planRun(db, settings, submitter, request);
  const { account, version, index, spec, rankedShots, perPolicy } = plan;

  let adapterConfig: AdapterConfig;
  let predictions: Map<string, string | null> | undefined;
  let secret: string | null = null;
  if (request.kind === 'builtin') {
    adapterConfig = typedConfig(() =>
      parseAdapterConfig({ adapter: 'builtin', name: request.builtin }, 'a built-in baseline'),
    );
  } else if (request.kind === 'internal') {
    adapterConfig = typedConfig(() =>
      parseAdapterConfig(request.adapterConfig, "a model of the platform's own"),
    );
    // It skips the endpoint policy because it names no URL: only the platform's own servers.
    if (!('internal' in adapterConfig) || adapterConfig.internal === undefined)
      invalid("a model of the platform's own names one of its servers (`internal`), not a URL");
  } else if (request.kind === 'endpoint') {
    if (!request.model) return invalid('field model: required: the model name the endpoint serves');
    if (!request.endpoint && (request.adapter ?? 'openai') === 'openai')
      return invalid(
        'field endpoint: an endpoint URL is required: an OpenAI-compatible endpoint has no default',
      );
    adapterConfig = typedConfig(() => requestAdapterConfig(request));
    // Anthropic's and Google's public endpoints are filled in by the config: checked the same.
    await checkedEndpoint(settings, endpointOf(adapterConfig));
    if (request.apiKey) secret = await sealSecret(settings, request.apiKey);
  } else if (request.kind === 'serve') {
    if (!request.profile || !request.model)
      return invalid('field profile, model: a serve submission needs a profile and a model name');
    if (!isSafeModelName(request.model))
      return invalid(`model name "${request.model}" may hold only letters, digits and . _ - / :`);
    adapterConfig = typedConfig(() => requestAdapterConfig(request));
  } else {
    if (!request.predictions)
      return invalid('field predictions: required: upload the predictions JSONL');
    // Core's schema refuses uploads for ranked runs, so a version is named here.
    if (!index) return invalid('an upload needs the benchmark version it answers');
    // Only an upload needs the episode ids, to refuse answers to episodes that were not asked.
    const episodes = [...buildEpisodes(index, spec)];
    const episodeIds = new Set(episodes.map((e) => e.id));
    const file = options.predictionsFile ?? 'predictions.jsonl';
    try {
      predictions = parsePredictions(
        request.predictions,
        file,
        episodeIds,
        exportOptions(episodes),
      );
    } catch (error) {
      if (error instanceof PredictionsError) return invalid(error.message);
      throw error;
    }
    const count = predictions.size;
    adapterConfig = typedConfig(() =>
      requestAdapterConfig(request, {
        count,
        file: options.predictionsFile?.split(/[\\/]/).pop(),
      }),
    );
  }

  // A webhook is a URL the platform calls: the endpoint policy applies (and again, pinned, at
  // every delivery). Its key is made here, shown once in the reply, and stored encrypted.
  let webhook: { url: string; sealedSecret: string } | null = null;
  let webhookSecret: string | undefined;
  if (request.webhook) {
    const url = await checkedEndpoint(settings, request.webhook, 'webhook');
    webhookSecret = newWebhookSecret();
    webhook = { url, sealedSecret: await sealSecret(settings, webhookSecret) };
  }
  const ownerId = account?.id;
  const quota = runQuota(settings, submitter);
  const common = {
    model: { name: request.name, ...modelOfCard(request), ...(ownerId && { ownerId }) },
    modelRevision: request.revision,
    prices: cardPrices(request),
    maxCostUsd: request.maxCostUsd ?? null,
    adapterConfig,
    secret,
    webhook,
    visibility: request.private ? ('private' as const) : ('public' as const),
    ...(ownerId && { ownerId }),
    ...(quota && { quota }),
  };
  const created = await refusing(async () => {
    if (!version) {
      // Drawing costs a second of CPU: an account out of runs is turned away before the draw.
      if (quota) await assertQuotaLeft(db, quota);
      const { draw, keyId } = await drawRankedRun({
        dataDir: settings.dataDir,
        shots: rankedShots,
        perPolicy,
      });
      const made = await createRankedSubmission(db, {
        ...common,
        manifest: draw.manifest,
        ranked: { keyId, commitment: draw.commitment, seed: draw.seed },
        openToAll: settings.rankedOpen,
      });
      return { ...made, commitment: draw.commitment };
    }
    return createSubmission(db, {
      ...common,
      benchmarkVersionId: version.id,
      predictions,
      ...spec,
      scorer: request.scorer,
    });
  });
  return {
    submissionId: created.submissionId,
    jobs: created.jobs,
    episodes: created.episodes,
    ...(webhookSecret && { webhookSecret }),
    ...('commitment' in created && { commitment: created.commitment }),
  };
}

/** What "Test connection" names: an endpoint, checked on one episode of a public version. */
export interface ConnectionTest {
  /** The version whose episode is asked, `name@version`. */
  benchmark: string;
  adapter: EndpointApi;
  endpoint?: string;
  model: string;
  apiKey?: string;
}

/**
 * "Test connection": one episode against the endpoint, queued as a probe and run by a runner
 * like any job (so the runner's endpoint checks apply; the site itself never calls a submitted
 * URL). Under the same version rules and endpoint policy as a submission, and a daily quota of
 * its own.
 */
export async function queueConnectionTest(
  db: Db,
  settings: PlatformSettings,
  account: Extract<Submitter, { kind: 'account' }>,
  test: ConnectionTest,
): Promise<{ id: number }> {
  const named = await benchmarkVersionNamed(db, test.benchmark);
  const version = await getBenchmarkVersion(db, named.id);
  if (!version) throw new SubmitRefused('not-found', `benchmark ${test.benchmark} does not exist`);
  await refusing(async () => refuseClosedVersion(version, { ranked: false }));
  // The same config a submission would store, short: one try, 30 s.
  const config = typedConfig(() =>
    parseAdapterConfig(
      {
        adapter: test.adapter,
        endpoint: test.endpoint,
        model: test.model,
        retries: 1,
        timeoutMs: 30_000,
      },
      'a connection test',
    ),
  );
  const endpoint = await checkedEndpoint(settings, endpointOf(config));
  const secret = test.apiKey ? await sealSecret(settings, test.apiKey) : null;
  const created = await refusing(() =>
    createSubmission(db, {
      model: { name: `${CONNECTION_TEST} of ${account.id}`, ownerId: account.id },
      benchmarkVersionId: version.id,
      adapterConfig: { ...config, endpoint } as AdapterConfig,
      probe: true,
      secret,
      shots: [2],
      policies: [DEFAULT_POLICY],
      episodeLimit: 1,
      maxAttempts: 1,
      // Off every board and list, as a withdrawn submission is; its owner reads it as a probe.
      visibility: 'withdrawn',
      ownerId: account.id,
      quota: { ownerId: account.id, limit: settings.dailyConnectionTests, probes: true },
    }),
  );
  return { id: created.submissionId };
}

/**
 * Who may run a submission again: its owner or an admin (the site answers 404 first where the
 * account may not know it exists); not a connection test (one probe, once); not one an admin
 * withdrew, except by an admin. The operator may.
 */
async function assertMayRunAgain(db: Db, submitter: Submitter, id: number): Promise<void> {
  const found = await submissionOwner(db, id);
  if (!found) throw new SubmitRefused('not-found', `submission ${id} does not exist`);
  if (found.probe)
    invalid(`submission ${id} is a connection test: it runs once; start another to test again`);
  if (submitter.kind === 'operator') return;
  if (!mayChange(submitter, found.ownerId))
    throw new SubmitRefused('forbidden', `submission ${id} is not yours`);
  if (found.visibility === 'withdrawn' && submitter.role !== 'admin')
    throw new SubmitRefused(
      'forbidden',
      `submission ${id} was withdrawn (by an admin): it is not run again`,
    );
}

/**
 * A failed or cancelled submission queued again: one more run of the submitter's daily quota,
 * refused like a submission (a ranked run's draw and a retired version are never run again).
 */
export async function retry(db: Db, settings: PlatformSettings, submitter: Submitter, id: number) {
  await assertMayRunAgain(db, submitter, id);
  return refusing(() => retrySubmission(db, id, runQuota(settings, submitter)));
}

/** A finished submission's errored episodes asked again: one more run of the daily quota. */
export async function rerunErrors(
  db: Db,
  settings: PlatformSettings,
  submitter: Submitter,
  id: number,
) {
  await assertMayRunAgain(db, submitter, id);
  return refusing(() => rerunErroredEpisodes(db, id, runQuota(settings, submitter)));
}
