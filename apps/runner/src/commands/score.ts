import { createInterface } from 'node:readline';
import { DEFAULT_SCORER, getScorer, type ScorerName } from '@linkboard/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError } from '../errors';
import { type Io, write } from '../io';
import { parseScorer, scorerHelp } from '../options';

const ScoreInputSchema = z.object({
  /** The model's raw answer; null when it gave none (scored as an error). */
  prediction: z.string().nullable(),
  label: z.string().min(1),
  other: z.string().min(1),
});

/**
 * `linkboard score`: JSONL in, one verdict per line out. A public interface for re-scoring
 * outside the platform; its input and output fields are kept stable.
 */
export function registerScore(program: Command, io: Io): void {
  program
    .command('score')
    .description(
      'score JSONL {"prediction","label","other"} from stdin; writes {"correct","outcome","rule"} per line',
    )
    .option('--scorer <name>', scorerHelp(), parseScorer, DEFAULT_SCORER)
    .action(async (flags: { scorer: ScorerName }) => {
      const scorer = getScorer(flags.scorer);
      const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch (error) {
          throw new CliError(`stdin:${lineNo}: malformed JSON: ${(error as Error).message}`);
        }
        const parsed = ScoreInputSchema.safeParse(json);
        if (!parsed.success) {
          const problems = parsed.error.issues.map(
            (i) => `field ${i.path.join('.') || '(line)'}: ${i.message}`,
          );
          throw new CliError(`stdin:${lineNo}: ${problems.join('; ')}`);
        }
        const { prediction, label, other } = parsed.data;
        const verdict = scorer.score(prediction, label, other);
        await write(
          io.stdout,
          `${JSON.stringify({ correct: verdict.correct, outcome: verdict.outcome, rule: verdict.rule })}\n`,
        );
      }
    });
}
