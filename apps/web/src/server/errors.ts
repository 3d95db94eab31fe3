import { randomBytes } from 'node:crypto';

/**
 * What the server log gets for an unexpected error: its name, message and stack, and those of its
 * causes, but never a failed query's parameters (they hold what the user sent, encrypted API keys
 * among it) nor a message that quotes them (Drizzle's "Failed query: … params: …").
 */
export function describeForLog(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const query = (error as { query?: unknown }).query;
  const hasParams = 'params' in error;
  const message = typeof query === 'string' && hasParams ? `failed query: ${query}` : error.message;
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  const head = `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${message}`;
  const cause =
    error.cause !== undefined && depth < 5
      ? `\ncaused by ${describeForLog(error.cause, depth + 1)}`
      : '';
  return `${head}${frames ? `\n${frames}` : ''}${cause}`;
}

/** What a client is told instead: nothing of the error, only the id to quote to the operator. */
export const unexpectedMessage = (id: string) =>
  `something went wrong on the server; the operator can find it in the log as error ${id}`;

/** Logs an unexpected error under a fresh id (for the client to quote) and returns the id. */
export function reportUnexpected(error: unknown, where: string): string {
  const id = randomBytes(6).toString('hex');
  console.error(`linkboard site: error ${id} in ${where}: ${describeForLog(error)}`);
  return id;
}
