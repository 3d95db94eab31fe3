import type { Episode } from '@linkboard/core';

/** Why a model gave no answer, in words a submitter can act on. */
export type ErrorClass =
  | 'timeout'
  | 'rate-limited'
  | 'server-error'
  | 'network'
  | 'bad-response'
  | 'client-error'
  | 'aborted'
  | 'missing-prediction';

export interface ModelAnswer {
  /** The raw answer, or null when the model gave none (then `errorClass` says why). */
  answer: string | null;
  /** The model said more than is kept (see storedAnswer): `answer` is its beginning. */
  truncated?: boolean;
  errorClass?: ErrorClass;
  error?: string;
  /** Requests made, retries included. */
  attempts: number;
  latencyMs: number;
  usage?: { promptTokens: number; completionTokens: number };
}

/** How a model is reached: one call per episode. */
export interface Adapter {
  readonly label: string;
  answer(episode: Episode, signal?: AbortSignal): Promise<ModelAnswer>;
}
