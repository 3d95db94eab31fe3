'use client';
import {
  DEFAULT_GENERATION,
  describeEstimate,
  ENDPOINT_API_NAMES,
  ENDPOINT_APIS,
  type EndpointApi,
  isPolicyName,
  MAX_GENERATION_TOKENS,
  MAX_PARAMS_B,
  POLICIES,
  POLICY_NAMES,
  TOKEN_LIMIT_FIELDS,
  type TokenLimitField,
  WEIGHTS,
  type Weights,
} from '@linkboard/core';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useRef, useState } from 'react';
import { useTRPC } from '~/trpc/react';
import { TestConnection } from './test-connection';

/** Policies that take demonstrations (the form's shot counts are ≥ 2): zero-shot is the CLI's. */
const DEMONSTRATION_POLICIES = POLICY_NAMES.filter((p) => POLICIES[p].checkShots(2) === null);

type Kind = 'endpoint' | 'serve' | 'predictions';

const isTokenLimitField = (value: unknown): value is TokenLimitField =>
  (TOKEN_LIMIT_FIELDS as readonly unknown[]).includes(value);

const isEndpointApi = (value: unknown): value is EndpointApi =>
  (ENDPOINT_API_NAMES as readonly unknown[]).includes(value);

/**
 * How the model generates, for an endpoint or a serve profile: the official settings unless
 * changed (the server refuses a bad value, naming the field). `api`: the API an endpoint speaks
 * (absent for a serve profile, which is OpenAI-compatible).
 */
function GenerationFields({ api = 'openai' }: { api?: EndpointApi }) {
  const fixedField = ENDPOINT_APIS[api].tokenLimitField;
  return (
    <details data-testid="advanced">
      <summary>Advanced: generation settings</summary>
      <div className="row">
        <label>
          Max new tokens
          <input
            name="maxTokens"
            type="number"
            min={1}
            max={MAX_GENERATION_TOKENS}
            step={1}
            defaultValue={DEFAULT_GENERATION.maxTokens}
          />
        </label>
        <label>
          Temperature
          <input
            name="temperature"
            type="number"
            min={0}
            max={2}
            step="any"
            defaultValue={DEFAULT_GENERATION.temperature ?? undefined}
          />
        </label>
      </div>
      <div className="choices">
        <label>
          <input type="checkbox" name="noTemperature" />
          send no temperature (OpenAI's reasoning models and Claude's extended thinking refuse one)
        </label>
      </div>
      <div className="row">
        {fixedField === null ? (
          <label>
            Send the limit as
            <select name="tokenLimitField" defaultValue={DEFAULT_GENERATION.tokenLimitField}>
              {TOKEN_LIMIT_FIELDS.map((field) => (
                <option key={field} value={field}>
                  {field}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            Thinking budget (tokens)
            <input
              name="thinkingBudget"
              type="number"
              min={0}
              max={MAX_GENERATION_TOKENS}
              step={1}
              placeholder="the model's default"
            />
          </label>
        )}
        <label>
          Max image side (px)
          <input name="maxImageSide" type="number" min={16} max={8192} placeholder="full size" />
        </label>
      </div>
      <p className="hint">
        The official LCL evaluation lets a model generate up to{' '}
        {DEFAULT_GENERATION.maxTokens.toLocaleString('en')} new tokens at temperature{' '}
        {DEFAULT_GENERATION.temperature}: reasoning and verbose models name their label late. Only
        the reply's content is scored, never its reasoning; an answer the model never gave because
        its reasoning used the whole limit is counted apart, as <code>reasoning-exhausted</code>.{' '}
        {fixedField === null ? (
          <>
            Some APIs (OpenAI's reasoning models) take the limit as{' '}
            <code>max_completion_tokens</code> only.
          </>
        ) : api === 'anthropic' ? (
          <>
            A thinking budget turns on Claude's extended thinking: at least 1,024 tokens, counted
            inside the max new tokens, with no temperature.
          </>
        ) : (
          <>
            Gemini counts thinking apart from <code>maxOutputTokens</code>; a budget of 0 turns
            thinking off where the model allows it.
          </>
        )}
      </p>
    </details>
  );
}

const isWeights = (value: unknown): value is Weights =>
  (WEIGHTS as readonly unknown[]).includes(value);

/**
 * The rest of the model card (organisation is beside the name): shown on the board and the
 * submission's page. The revision is this submission's; the other fields are the model's, and the
 * latest submission that states one sets it.
 */
function ModelCardFields() {
  return (
    <details data-testid="model-card">
      <summary>Model card (optional): size, weights, licence, link</summary>
      <div className="row">
        <label>
          Parameters (billions)
          <input
            name="paramsB"
            type="number"
            min={0}
            max={MAX_PARAMS_B}
            step="any"
            placeholder="7"
          />
        </label>
        <label>
          Weights
          <select name="weights" defaultValue="">
            <option value="">not stated</option>
            {WEIGHTS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          Licence
          <input name="licence" maxLength={64} placeholder="apache-2.0" />
        </label>
        <label>
          Base model
          <input name="baseModel" maxLength={200} placeholder="optional" />
        </label>
      </div>
      <div className="row">
        <label>
          Link (http or https)
          <input name="modelUrl" type="url" maxLength={500} placeholder="https://…" />
        </label>
        <label>
          Revision run
          <input name="revision" maxLength={120} placeholder="commit or snapshot" />
        </label>
      </div>
    </details>
  );
}

/**
 * Submit a model: an API endpoint (OpenAI-compatible, Anthropic's or Google's), a serve profile,
 * or uploaded predictions.
 */
/** The benchmark select's value for a ranked run (no version's: each is `name@version`). */
const RANKED_RUN = 'ranked';

export function SubmitForm({
  versions,
  rankedRuns,
}: {
  /** The versions offered, each by its one name (`benchmark`, `name@version`): what is sent. */
  versions: { benchmark: string; ranked: { shots: number[]; draws: number } }[];
  /** Whether the viewer may submit a ranked run (a participant, or ranked runs open to all). */
  rankedRuns: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [kind, setKind] = useState<Kind>('endpoint');
  const [api, setApi] = useState<EndpointApi>('openai');
  // Shots and draws start at the chosen benchmark's ranked setting, so a submission ranks.
  // `RANKED_RUN` in the benchmark select: a ranked run, on a fresh draw of its own.
  const [chosen, setChosen] = useState<string | undefined>(
    rankedRuns ? RANKED_RUN : versions[0]?.benchmark,
  );
  const ranked = versions.find((v) => v.benchmark === chosen)?.ranked;
  const versionOf = (f: FormData) =>
    f.get('benchmark') === RANKED_RUN
      ? { ranked: true }
      : { benchmark: String(f.get('benchmark') ?? '') };
  const formRef = useRef<HTMLFormElement>(null);
  const readEndpoint = () => {
    const f = new FormData(formRef.current ?? undefined);
    const text = (name: string) => String(f.get(name) ?? '').trim() || undefined;
    return {
      // A ranked run's connection is tested on a public version's episode.
      benchmark:
        f.get('benchmark') === RANKED_RUN
          ? (versions[0]?.benchmark ?? '')
          : String(f.get('benchmark') ?? ''),
      adapter: api,
      endpoint: text('endpoint'),
      model: text('model'),
      apiKey: text('apiKey'),
    };
  };
  // A webhook's secret is in this one reply and nowhere else: shown before leaving the form.
  const [created, setCreated] = useState<{ id: number; webhookSecret: string } | null>(null);
  const create = useMutation(
    trpc.submissions.create.mutationOptions({
      onSuccess: ({ id, webhookSecret }) =>
        webhookSecret ? setCreated({ id, webhookSecret }) : router.push(`/submissions/${id}`),
    }),
  );
  const estimate = useMutation(trpc.submissions.estimate.mutationOptions());
  /** What the form states, as core's request: the same for the estimate and the submission. */
  async function requestOf(form: HTMLFormElement) {
    const f = new FormData(form);
    const text = (name: string) => String(f.get(name) ?? '').trim() || undefined;
    const file = f.get('predictions');
    const number = (name: string) => {
      const value = text(name);
      return value === undefined ? undefined : Number(value);
    };
    const runsHere = kind !== 'predictions';
    const limitField = f.get('tokenLimitField');
    const weights = f.get('weights');
    return {
      ...versionOf(f),
      name: text('name') ?? '',
      organisation: text('organisation'),
      // The model card: blank fields say nothing (the server checks each, naming it).
      paramsB: number('paramsB'),
      weights: isWeights(weights) ? weights : undefined,
      licence: text('licence'),
      baseModel: text('baseModel'),
      modelUrl: text('modelUrl'),
      revision: text('revision'),
      kind,
      adapter: kind === 'endpoint' ? api : undefined,
      endpoint: text('endpoint'),
      model: text('model'),
      apiKey: text('apiKey'),
      profile: text('profile'),
      ...(runsHere
        ? {
            maxTokens: number('maxTokens'),
            temperature: f.get('noTemperature') === 'on' ? null : number('temperature'),
            tokenLimitField: isTokenLimitField(limitField) ? limitField : undefined,
            thinkingBudget: number('thinkingBudget'),
            maxImageSide: number('maxImageSide'),
            inputUsdPerMTok: number('inputUsdPerMTok'),
            outputUsdPerMTok: number('outputUsdPerMTok'),
            maxCostUsd: number('maxCostUsd'),
          }
        : {}),
      predictions: file instanceof File && file.size > 0 ? await file.text() : undefined,
      shots: String(f.get('shots'))
        .split(',')
        .map((s) => Number(s.trim())),
      policies: f.getAll('policy').map(String).filter(isPolicyName),
      draws: Number(f.get('draws')) || 1,
      private: f.get('private') === 'on',
      webhook: text('webhook'),
    };
  }
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate(await requestOf(event.currentTarget));
  }
  async function estimateRun() {
    if (formRef.current) estimate.mutate(await requestOf(formRef.current));
  }
  if (created)
    return (
      <div className="card stacked" style={{ maxWidth: 620 }} data-testid="webhook-secret">
        <p>
          Submission {created.id} is queued. Its webhook's secret, shown this once (it is stored
          encrypted and never shown again): verify each delivery with it and a Standard Webhooks
          library (<code>standardwebhooks</code>).
        </p>
        <pre>{created.webhookSecret}</pre>
        <p>
          <a href={`/submissions/${created.id}`}>Go to the submission</a>
        </p>
      </div>
    );
  return (
    <form ref={formRef} onSubmit={submit} className="card stacked" style={{ maxWidth: 620 }}>
      <fieldset>
        <legend>Model</legend>
        <div className="row">
          <label>
            Model name (as on the leaderboard)
            <input name="name" required maxLength={120} />
          </label>
          <label>
            Organisation
            <input name="organisation" maxLength={120} placeholder="optional" />
          </label>
        </div>
        <ModelCardFields />
      </fieldset>
      <fieldset>
        <legend>How linkboard reaches it</legend>
        <div className="choices" role="radiogroup" aria-label="How linkboard reaches it">
          {(['endpoint', 'serve', 'predictions'] as const).map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="kind"
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              {k === 'endpoint'
                ? 'API endpoint'
                : k === 'serve'
                  ? 'serve profile (GPU)'
                  : 'upload predictions'}
            </label>
          ))}
        </div>
        {kind === 'endpoint' ? (
          <>
            <div className="row">
              <label>
                API
                <select
                  name="adapter"
                  value={api}
                  onChange={(e) => isEndpointApi(e.target.value) && setApi(e.target.value)}
                >
                  {ENDPOINT_API_NAMES.map((name) => (
                    <option key={name} value={name} title={ENDPOINT_APIS[name].title}>
                      {ENDPOINT_APIS[name].label}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Endpoint URL
                <input
                  key={api}
                  name="endpoint"
                  type="url"
                  placeholder={ENDPOINT_APIS[api].defaultEndpoint ?? 'https://…/v1'}
                  required={ENDPOINT_APIS[api].defaultEndpoint === null}
                />
              </label>
            </div>
            <div className="row">
              <label>
                Model at the endpoint
                <input name="model" required />
              </label>
              <label>
                API key (stored encrypted, never shown again)
                <input name="apiKey" type="password" autoComplete="off" placeholder="optional" />
              </label>
            </div>
            <TestConnection read={readEndpoint} />
            <GenerationFields api={api} />
          </>
        ) : null}
        {kind === 'serve' ? (
          <>
            <div className="row">
              <label>
                Serve profile
                <input name="profile" placeholder="vllm" required />
              </label>
              <label>
                Model
                <input name="model" placeholder="Qwen/Qwen2-VL-7B-Instruct" required />
              </label>
            </div>
            <p className="hint">
              A runner with GPUs starts the model server the operator configured under this profile
              name, and stops it afterwards.
            </p>
            <GenerationFields />
          </>
        ) : null}
        {kind === 'predictions' ? (
          <>
            <label>
              Predictions JSONL
              <input name="predictions" type="file" accept=".jsonl,.json,.txt" required />
            </label>
            <p className="hint">
              One <code>{'{"episode_id", "answer"}'}</code> per line, for the episodes that{' '}
              <code>linkboard episodes</code> lists for this benchmark, shots and policies.
            </p>
          </>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Evaluation</legend>
        <label>
          Benchmark
          <select
            name="benchmark"
            defaultValue={chosen}
            onChange={(e) => setChosen(e.target.value)}
          >
            {rankedRuns ? (
              <option value={RANKED_RUN}>
                ranked run: a fresh draw of its own (lcl and flip; scored as their mean)
              </option>
            ) : null}
            {versions.map((v) => (
              <option key={v.benchmark} value={v.benchmark}>
                {v.benchmark}
              </option>
            ))}
          </select>
        </label>
        <div className="row" key={chosen}>
          <label>
            Shots
            <input
              name="shots"
              defaultValue={(ranked?.shots ?? [2, 4, 8, 16]).join(',')}
              pattern="\d+(,\d+)*"
            />
          </label>
          <label>
            Draws
            <input name="draws" type="number" min={1} max={20} defaultValue={ranked?.draws ?? 1} />
          </label>
        </div>
        <p className="hint">
          Shots: support images per episode, comma-separated. Draws: independent episode sets per
          query image; more draws narrow the intervals. The defaults are the benchmark’s ranked
          setting: a submission that runs less is listed but not ranked.
        </p>
        <div className="choices">
          {DEMONSTRATION_POLICIES.map((p) => (
            <label key={p}>
              <input type="checkbox" name="policy" value={p} defaultChecked />
              {POLICIES[p].title}
            </label>
          ))}
          <label>
            <input type="checkbox" name="private" />
            private until I publish it
          </label>
        </div>
        <label>
          Webhook URL
          <input name="webhook" type="url" placeholder="optional: https://…" maxLength={2000} />
        </label>
        <p className="hint">
          linkboard POSTs a signed JSON summary there when the submission is done, failed or
          cancelled; its secret is shown once, after you submit.
        </p>
      </fieldset>
      {kind !== 'predictions' ? (
        <fieldset data-testid="cost">
          <legend>Cost</legend>
          <div className="row">
            <label>
              Input price ($ per million tokens)
              <input name="inputUsdPerMTok" type="number" min={0} step="any" placeholder="2.50" />
            </label>
            <label>
              Output price ($ per million tokens)
              <input name="outputUsdPerMTok" type="number" min={0} step="any" placeholder="10" />
            </label>
            <label>
              Stop at ($)
              <input name="maxCostUsd" type="number" min={0} step="any" placeholder="no cap" />
            </label>
          </div>
          <p className="hint">
            The model card’s prices, where the model is paid for: the run is estimated and costed at
            them, and stopped once its answers have cost the cap (what is in flight still lands; the
            answers so far are kept).
          </p>
          <button
            type="button"
            className="secondary"
            onClick={() => void estimateRun()}
            disabled={estimate.isPending}
          >
            {estimate.isPending ? 'Estimating…' : 'Estimate tokens, cost and time'}
          </button>
          {estimate.data ? (
            <div data-testid="estimate">
              <p>
                <strong>Estimate:</strong> {describeEstimate(estimate.data)}
              </p>
              <ul className="hint">
                {estimate.data.assumptions.map((a) => (
                  <li key={a}>{a}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {estimate.error ? (
            <p role="alert" style={{ color: 'var(--bad)' }}>
              {estimate.error.message}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? 'Submitting…' : 'Submit'}
      </button>
      {create.error ? (
        <p role="alert" style={{ color: 'var(--bad)' }}>
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}
