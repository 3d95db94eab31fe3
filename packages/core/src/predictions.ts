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
 * Reads uploaded predictions: JSONL `{"episode_id", "answer"}` for an exported episode set. A
 * malformed line, an unknown or a duplicate id is refused with its line number.
 */
export function parsePredictions(
  text: string,
  source: string,
  knownIds: ReadonlySet<string>,
): Map<string, string | null> {
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
        `${where}: unknown episode_id "${id}" (not in this submission's episodes; export them with linkboard episodes)`,
      );
    if (answers.has(id)) throw new PredictionsError(`${where}: duplicate episode_id "${id}"`);
    answers.set(id, answer);
  }
  return answers;
}
