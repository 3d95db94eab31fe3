import { readFile } from 'node:fs/promises';
import type { Episode } from '@linkboard/core';
import { z } from 'zod';
import { CliError } from '../errors';
import type { Adapter, ModelAnswer } from './types';

const LineSchema = z.object({ episode_id: z.string().min(1), answer: z.string().nullable() });

/**
 * Reads uploaded predictions: JSONL `{"episode_id", "answer"}` for an exported episode set. A
 * malformed line, an unknown or a duplicate id is refused with its line number.
 */
export function parsePredictions(
  text: string,
  file: string,
  knownIds: ReadonlySet<string>,
): Map<string, string | null> {
  const answers = new Map<string, string | null>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new CliError(`${where}: malformed JSON: ${(error as Error).message}`);
    }
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(
        `${where}: ${parsed.error.issues.map((x) => `field ${x.path.join('.') || '(line)'}: ${x.message}`).join('; ')}`,
      );
    }
    const { episode_id: id, answer } = parsed.data;
    if (!knownIds.has(id))
      throw new CliError(
        `${where}: unknown episode_id "${id}" (not in this submission's episodes; export them with linkboard episodes)`,
      );
    if (answers.has(id)) throw new CliError(`${where}: duplicate episode_id "${id}"`);
    answers.set(id, answer);
  }
  return answers;
}

export async function readPredictionsFile(file: string, knownIds: ReadonlySet<string>) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read predictions: ${(error as Error).message}`);
  }
  return parsePredictions(text, file, knownIds);
}

/** Uploaded answers as a model: an episode without a prediction is scored as an error. */
export function predictionsAdapter(answers: ReadonlyMap<string, string | null>): Adapter {
  return {
    label: 'predictions',
    async answer(episode: Episode): Promise<ModelAnswer> {
      if (!answers.has(episode.id)) {
        return {
          answer: null,
          errorClass: 'missing-prediction',
          error: 'no prediction uploaded for this episode',
          attempts: 0,
          latencyMs: 0,
        };
      }
      return { answer: answers.get(episode.id) ?? null, attempts: 0, latencyMs: 0 };
    },
  };
}
