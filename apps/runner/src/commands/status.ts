import { setTimeout as sleep } from 'node:timers/promises';
import { cardSummary, policyTotals, rankedScore, WEBHOOK_STATES } from '@linkboard/core';
import {
  queueStatus,
  rankedDrawOf,
  runnersAtWork,
  submissionCurves,
  submissionDetail,
} from '@linkboard/db';
import type { Command } from 'commander';
import { noticeTo, openDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { parsePositiveInt, secretFromEnv } from '../options';
import { siteClient } from '../site-client';

/** Where a submission is, from the database or from a site's API alike. */
export interface SubmissionState {
  status: string;
  position: number | null;
  done: number;
  total: number;
  errors: number;
  episodesPerSecond: number | null;
  etaSeconds: number | null;
  lastError: string | null;
}

/** Where `status` reads a submission from. */
export interface StatusSource {
  /** Named in "no submission N in …". */
  where: string;
  state(id: number): Promise<SubmissionState | null>;
  /** What is known of it beyond its state (model, per-shot accuracy; or its page on a site). */
  details(id: number): Promise<string[]>;
  /** Whether no runner is working on this queue (known of a database, not of a site). */
  noRunner?(): Promise<boolean>;
  close(): Promise<void>;
}

/** One policy at one shot count, as `status` prints it from either source. */
function perShotLine(
  r: { policy: string; shots: number; correct: number; n: number },
  scorer: string,
): string {
  return `  ${r.policy} ${r.shots}-shot: ${((100 * r.correct) / r.n).toFixed(1)}% (${r.correct}/${r.n}, ${scorer})`;
}

/** The final states (those a webhook announces). */
const ENDED = new Set<string>(WEBHOOK_STATES);

/** The database this machine's linkboard uses (only reads: it creates none where there is none). */
export async function localStatusSource(env: Env, io: Io): Promise<StatusSource> {
  const database = await openDatabase(env, { create: false, notice: noticeTo(io) });
  return {
    where: database.where,
    state: (id) => queueStatus(database.db, id),
    noRunner: async () => (await runnersAtWork(database.db)) === 0,
    async details(id) {
      const submission = await submissionDetail(database.db, id);
      if (!submission) return [];
      const rows = await submissionCurves(database.db, [id], submission.scorer);
      const card = cardSummary(submission.card);
      const lines = [
        `model: ${submission.model}${card ? ` (${card})` : ''}`,
        ...rows.map((r) => perShotLine(r, submission.scorer)),
      ];
      const drawn = await rankedDrawOf(database.db, id);
      if (drawn) {
        const { lcl, flip } = policyTotals(rows);
        const score = rankedScore(lcl, flip);
        const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
        lines.push(
          score
            ? `  score (mean of lcl and flip): ${pct(score.score)} [${pct(score.low)}, ${pct(score.high)}]`
            : '  score (mean of lcl and flip): not yet',
          `  draw: ${submission.benchmark}, key ${drawn.keyId}, commitment ${drawn.commitment}`,
          drawn.seed
            ? `  seed (revealed): ${drawn.seed}; \`linkboard verify ${id}\` checks the run from it`
            : '  seed: revealed when the run ends',
        );
      }
      return lines;
    },
    close: () => database.shutdown(),
  };
}

/** A site's public API (`GET /api/v1/submissions/{id}`); a token reads private ones too. */
export function siteStatusSource(
  client: ReturnType<typeof siteClient>,
  base: string,
): StatusSource {
  return {
    where: base,
    async state(id) {
      const s = await client.submission(id);
      if (!s) return null;
      return {
        status: s.status,
        position: s.position,
        done: s.done,
        total: s.total,
        errors: s.errors,
        episodesPerSecond: s.episodes_per_second,
        etaSeconds: s.eta_seconds,
        lastError: s.last_error,
      };
    },
    async details(id) {
      const accuracy = (await client.submission(id))?.accuracy;
      return [
        `page: ${base}/submissions/${id}`,
        ...(accuracy?.per_shot.map((r) => perShotLine(r, accuracy.scorer)) ?? []),
      ];
    },
    close: async () => {},
  };
}

const progressOf = (s: SubmissionState) =>
  `${s.done}/${s.total} episodes${s.episodesPerSecond ? `, ${s.episodesPerSecond.toFixed(1)}/s` : ''}${s.etaSeconds ? `, ETA ${Math.ceil(s.etaSeconds)} s` : ''}`;

/**
 * Prints a submission's state (after it ends, with `wait`) and throws a CliError if it failed, so
 * that a script learns it from the exit code. While waiting, a line on stderr when its state
 * changes and at most every `reportEveryMs` while it progresses, and once, if it is still queued
 * after `noRunnerAfterMs` with no runner at work on the queue, that nothing will run it.
 */
export async function showStatus(
  io: Io,
  source: StatusSource,
  id: number,
  options: {
    wait?: boolean;
    pollMs?: number;
    reportEveryMs?: number;
    noRunnerAfterMs?: number;
  } = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 2000;
  const reportEveryMs = options.reportEveryMs ?? 10_000;
  const noRunnerAfterMs = options.noRunnerAfterMs ?? 30_000;
  let state = await source.state(id);
  if (!state) throw new CliError(`no submission ${id} in ${source.where}`);
  let reported = { status: '', done: -1, at: 0 };
  const waitingSince = Date.now();
  let told = false;
  while (options.wait && !ENDED.has(state.status)) {
    const now = Date.now();
    if (
      !told &&
      state.status === 'queued' &&
      now - waitingSince >= noRunnerAfterMs &&
      (await source.noRunner?.())
    ) {
      told = true;
      io.stderr.write(
        `submission ${id}: still queued after ${Math.round((now - waitingSince) / 1000)} s, and no runner is working on ${source.where}; is \`npm start\` or \`npx linkboard runner\` running on it?\n`,
      );
    }
    const changed = state.status !== reported.status;
    if (changed || (state.done !== reported.done && now - reported.at >= reportEveryMs)) {
      io.stderr.write(
        `submission ${id}: ${state.status}${state.position ? ` (queue position ${state.position})` : ''}, ${progressOf(state)}\n`,
      );
      reported = { status: state.status, done: state.done, at: now };
    }
    await sleep(pollMs);
    state = await source.state(id);
    if (!state) throw new CliError(`submission ${id} is gone from ${source.where}`);
  }
  const lines = [
    `submission ${id}: ${state.status}${state.position ? ` (queue position ${state.position})` : ''}`,
    `progress: ${progressOf(state)}; ${state.errors} in error`,
  ];
  if (state.lastError) lines.push(`last error: ${state.lastError}`);
  const details = await source.details(id);
  // The model first, then the per-shot lines (as `status` has always printed them).
  io.stdout.write(
    `${[lines[0], ...details.slice(0, 1), ...lines.slice(1), ...details.slice(1)].join('\n')}\n`,
  );
  if (state.status === 'failed')
    throw new CliError(`submission ${id} failed${state.lastError ? `: ${state.lastError}` : ''}`);
}

/** `linkboard status <id>`: from this machine's database, or a site's with --site. */
export function registerStatus(program: Command, io: Io, env: Env): void {
  program
    .command('status')
    .description('state, progress and per-shot summary of a submission')
    .argument('<id>', 'submission id', parsePositiveInt)
    .option('--wait', 'follow it until it ends (progress on stderr); exit 1 if it failed')
    .option('--site <url>', 'read it from a linkboard site’s API instead of the database')
    .option(
      '--token-env <var>',
      'with --site: environment variable holding your API key (needed for private submissions)',
    )
    .action(async (id: number, flags: { wait?: boolean; site?: string; tokenEnv?: string }) => {
      if (flags.tokenEnv && !flags.site) throw new CliError('--token-env goes with --site');
      const token = flags.tokenEnv
        ? secretFromEnv(env.secrets, '--token-env', flags.tokenEnv)
        : undefined;
      const base = flags.site?.replace(/\/+$/, '');
      const source = base
        ? siteStatusSource(siteClient(base, token), base)
        : await localStatusSource(env, io);
      try {
        await showStatus(io, source, id, { wait: flags.wait });
      } finally {
        await source.close();
      }
    });
}
