import { readFile } from 'node:fs/promises';
import { PredictionsError, parsePredictions } from '@linkboard/core';
import { CliError } from '../errors';
import type { Adapter, ModelAnswer, ModelEpisode } from './types';

/** A predictions file read and checked (core's `parsePredictions`); a refusal is a CliError. */
export async function readPredictionsFile(
  file: string,
  knownIds: ReadonlySet<string>,
  setting?: string,
) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read predictions: ${(error as Error).message}`);
  }
  try {
    return parsePredictions(text, file, knownIds, setting);
  } catch (error) {
    if (error instanceof PredictionsError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Uploaded answers as a model. Uploads answer every episode (`parsePredictions`); an episode
 * without one (a submission queued before that rule) is scored as an error.
 */
export function predictionsAdapter(answers: ReadonlyMap<string, string | null>): Adapter {
  return {
    label: 'predictions',
    async answer(episode: ModelEpisode): Promise<ModelAnswer> {
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
