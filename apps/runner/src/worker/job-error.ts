import { isRetryable } from '@linkboard/core';
import type { ErrorClass } from '../adapters/types';

/** Why a job cannot go on; whether another attempt may succeed is core's error-class registry. */
export class JobError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
  ) {
    super(message);
    this.retryable = isRetryable(errorClass);
  }
}
