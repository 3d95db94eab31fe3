import {
  commitmentHolds,
  policyTotals,
  rankedScore,
  scoreEpisode,
  verdictOf,
} from '@linkboard/core';
import { drawRanked } from '@linkboard/datasets';
import {
  getBenchmarkVersion,
  getSubmission,
  rankedDrawOf,
  rawAnswersOf,
  submissionCurves,
} from '@linkboard/db';
import type { Command } from 'commander';
import { noticeTo, openDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { parsePositiveInt } from '../options';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * `linkboard verify <id>`: a ranked run checked from its revealed seed alone. The seed must be the
 * one committed to at creation; the public generator must regenerate exactly the draw the run was
 * stored with (its manifest hash); and its stored raw answers, re-scored against the regenerated
 * episodes, must give the figures the platform reports. Any difference is named, and exits 1.
 */
export function registerVerify(program: Command, io: Io, env: Env): void {
  program
    .command('verify')
    .description(
      'check a finished ranked run from its revealed seed: commitment, regenerated draw and re-scored answers',
    )
    .argument('<id>', 'submission id', parsePositiveInt)
    .action(async (id: number) => {
      const database = await openDatabase(env, { create: false, notice: noticeTo(io) });
      try {
        const drawn = await rankedDrawOf(database.db, id);
        if (!drawn) throw new CliError(`submission ${id} in ${database.where} is not a ranked run`);
        if (!drawn.seed)
          throw new CliError(
            `submission ${id} is ${drawn.status}: its seed is revealed when it ends (commitment ${drawn.commitment})`,
          );
        const problems: string[] = [];
        const lines = [`submission ${id}: ranked run, key ${drawn.keyId}`];
        if (commitmentHolds(drawn.seed, drawn.commitment))
          lines.push(`  seed matches its commitment ${drawn.commitment.slice(0, 16)}…`);
        else problems.push(`the revealed seed does not hash to the commitment ${drawn.commitment}`);

        const submission = await getSubmission(database.db, id);
        const version = submission
          ? await getBenchmarkVersion(database.db, submission.benchmarkVersionId)
          : null;
        if (!submission || !version) throw new CliError(`submission ${id} has no stored draw`);
        const perPolicy = drawn.totalEpisodes / (2 * drawn.shots.length);
        const draw = drawRanked({ seed: drawn.seed, shots: drawn.shots, perPolicy });
        if (draw.manifest.manifestHash === version.manifestHash)
          lines.push(
            `  regenerated ${draw.episodes.length} episodes from the seed: manifest ${version.manifestHash.slice(0, 16)}… as stored`,
          );
        else
          problems.push(
            `the seed regenerates manifest ${draw.manifest.manifestHash}, the run was stored with ${version.manifestHash}`,
          );

        // Re-scored from the raw answers against the regenerated episodes.
        const answers = await rawAnswersOf(database.db, id);
        const mine = policyTotals(
          draw.episodes
            .filter((episode) => answers.has(episode.id))
            .map((episode) => ({
              policy: episode.policy,
              n: 1,
              correct: verdictOf(
                scoreEpisode(episode, answers.get(episode.id) ?? null),
                submission.scorer,
              ).correct
                ? 1
                : 0,
            })),
        );
        const stored = policyTotals(await submissionCurves(database.db, [id], submission.scorer));
        for (const policy of ['lcl', 'flip'] as const)
          if (
            mine[policy].correct !== stored[policy].correct ||
            mine[policy].n !== stored[policy].n
          )
            problems.push(
              `${policy}: re-scored ${mine[policy].correct}/${mine[policy].n}, the platform reports ${stored[policy].correct}/${stored[policy].n}`,
            );
        const score = rankedScore(mine.lcl, mine.flip);
        if (score)
          lines.push(
            `  re-scored ${answers.size} answers (${submission.scorer}): score ${pct(score.score)} [${pct(score.low)}, ${pct(score.high)}], lcl ${pct(score.lclAccuracy ?? 0)}, flip ${pct(score.flipAccuracy ?? 0)}`,
          );
        io.stdout.write(`${lines.join('\n')}\n`);
        if (problems.length)
          throw new CliError(`submission ${id} does not verify: ${problems.join('; ')}`);
        io.stdout.write(`verified: the figures follow from the seed and the answers\n`);
      } finally {
        await database.shutdown();
      }
    });
}
