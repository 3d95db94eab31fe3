import { z } from 'zod';
import { oneLine } from './external-text';

/**
 * Longer answers are refused: the scorers look for a label in the answer, and a reply of more
 * than a few thousand characters is a runaway generation, not a label (stored per episode, it
 * would also bloat every results page).
 */
export const MAX_ANSWER_CHARS = 8_000;

/**
 * An answer as it is stored, whichever path brought it (an endpoint adapter, the runner API): NUL,
 * which PostgreSQL text cannot hold, replaced, and cut at MAX_ANSWER_CHARS.
 */
export function storedAnswer(content: string): { answer: string; truncated: boolean } {
  const clean = content.includes('\u0000') ? content.replaceAll('\u0000', '\uFFFD') : content;
  return clean.length > MAX_ANSWER_CHARS
    ? { answer: clean.slice(0, MAX_ANSWER_CHARS), truncated: true }
    : { answer: clean, truncated: false };
}

const LineSchema = z.object({
  episode_id: oneLine(200, { trim: false }).min(1),
  answer: z
    .string()
    .max(MAX_ANSWER_CHARS, { message: `longer than ${MAX_ANSWER_CHARS} characters` })
    // PostgreSQL text cannot hold NUL; other control characters (newlines) are a model's to give.
    .refine((answer) => !answer.includes('\u0000'), {
      message: 'holds a NUL character (U+0000), which cannot be stored',
    })
    .nullable(),
});

export class PredictionsError extends Error {
  override name = 'PredictionsError';
}

/**
 * The `linkboard episodes` options that export episodes of these settings (shot counts, policies,
 * draws), for a message that tells an uploader how to get the right ones; '' for none.
 */
export function exportOptions(
  episodes: Iterable<{ shots: number; policy: string; draw: number }>,
): string {
  const shots = new Set<number>();
  const policies = new Set<string>();
  let draws = 0;
  for (const e of episodes) {
    shots.add(e.shots);
    policies.add(e.policy);
    draws = Math.max(draws, e.draw + 1);
  }
  if (draws === 0) return '';
  return `--shots ${[...shots].sort((a, b) => a - b).join(',')} --policy ${[...policies].join(',')} --draws ${draws}`;
}

/**
 * Reads uploaded predictions: JSONL `{"episode_id", "answer"}` for an exported episode set. A
 * malformed line, an unknown or a duplicate id is refused with its line number, and a file that
 * does not answer every episode of the submission is refused whole: episodes exported at other
 * settings (one draw where the submission asks two) would otherwise be scored as errors, and the
 * model's accuracy halved without a word. An episode the model did not answer has its line, with
 * `"answer": null` (scored as an error). `setting`: the `linkboard episodes` options that export
 * the submission's episodes (`exportOptions`), named in the refusals.
 */
export function parsePredictions(
  text: string,
  source: string,
  knownIds: ReadonlySet<string>,
  setting?: string,
): Map<string, string | null> {
  const exportThem = `export them with linkboard episodes${setting ? ` ${setting}` : ''}`;
  const answers = new Map<string, string | null>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = `${source}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new PredictionsError(`${where}: malformed JSON: ${(error as Error).message}`);
    }
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) {
      throw new PredictionsError(
        `${where}: ${parsed.error.issues.map((x) => `field ${x.path.join('.') || '(line)'}: ${x.message}`).join('; ')}`,
      );
    }
    const { episode_id: id, answer } = parsed.data;
    if (!knownIds.has(id))
      throw new PredictionsError(
        `${where}: unknown episode_id "${id}" (not in this submission's episodes; ${exportThem})`,
      );
    if (answers.has(id)) throw new PredictionsError(`${where}: duplicate episode_id "${id}"`);
    answers.set(id, answer);
  }
  if (answers.size < knownIds.size)
    throw new PredictionsError(
      `${source}: answers ${answers.size.toLocaleString('en')} of this submission's ${knownIds.size.toLocaleString('en')} episodes; every episode needs a line ("answer": null for one the model did not answer, scored as an error): ${exportThem}`,
    );
  return answers;
}
