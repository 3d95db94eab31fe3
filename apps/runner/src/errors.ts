import { EpisodeError, ManifestError } from '@linkboard/core';
import { ImportError } from '@linkboard/datasets';
import {
  AlreadyRunningError,
  ConflictError,
  NoDatabaseError,
  RunnerTokenError,
} from '@linkboard/db';
import { EndpointRefusedError } from './adapters/guard';
import { EnvError } from './env';
import { SiteRefusedError } from './worker/site-queue';

/** A mistake in how the CLI was called or what it was given: printed without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Errors that describe the user's input, not a bug, and so read best as one line. */
export function isUserError(error: unknown): error is Error {
  return (
    error instanceof CliError ||
    error instanceof EnvError ||
    error instanceof ImportError ||
    error instanceof EpisodeError ||
    error instanceof ManifestError ||
    error instanceof AlreadyRunningError ||
    error instanceof NoDatabaseError ||
    error instanceof ConflictError ||
    error instanceof RunnerTokenError ||
    error instanceof SiteRefusedError ||
    error instanceof EndpointRefusedError
  );
}

/**
 * What went wrong at the bottom of an error chain, in one line: Drizzle wraps a driver error in
 * "Failed query: <the SQL>", which says nothing the driver's own message does not.
 */
export function rootMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const message = current instanceof Error ? current.message : String(current);
  return message.split('\n', 1)[0] as string;
}
