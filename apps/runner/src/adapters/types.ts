import type { Episode, ErrorClass } from '@linkboard/core';

/** Why a model gave no answer: core's error-class registry. */
export type { ErrorClass } from '@linkboard/core';

export interface ModelAnswer {
  /** The raw answer, or null when the model gave none (then `errorClass` says why). */
  answer: string | null;
  /** The model said more than is kept (see storedAnswer): `answer` is its beginning. */
  truncated?: boolean;
  /** The reply carried reasoning (`reasoning_content` or `reasoning`) beside its content: not scored, counted. */
  reasoning?: boolean;
  errorClass?: ErrorClass;
  error?: string;
  /** Requests made, retries included. */
  attempts: number;
  latencyMs: number;
  usage?: { promptTokens: number; completionTokens: number };
  /** What the reply named as answering (core's `ServedBy` counts them over a run). */
  servedBy?: ServedByReply;
}

/** A reply's own word for what answered: OpenAI's `model` and `system_fingerprint`, or the provider's equivalent. */
export interface ServedByReply {
  model?: string;
  fingerprint?: string;
}

/**
 * What of an episode a model is asked: its id and its prompt (text and image-id parts). Nothing
 * that scores it: a runner given a ranked run's episodes prepared by the site (core's
 * `PreparedEpisode`) holds no more than this, and every adapter runs on it.
 */
export type ModelEpisode = Pick<Episode, 'id' | 'prompt'>;

/** How a model is reached: one call per episode. */
export interface Adapter {
  readonly label: string;
  answer(episode: ModelEpisode, signal?: AbortSignal): Promise<ModelAnswer>;
}
