import type { Readable, Writable } from 'node:stream';
import { createLogger, type Logger } from '@linkboard/platform/log';

/** The streams a command talks to; tests pass their own. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export const processIo: Io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
};

/** Writes and waits for the stream to take it, so large outputs keep their back-pressure. */
export function write(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once('drain', resolve));
}

/**
 * The log of a long-running process (`linkboard runner`, the runner inside `linkboard start`):
 * JSON lines with a timestamp on stderr, readable lines when stderr is a terminal. A command's
 * own output (tables, ids, `linkboard is running`) stays plain text and does not come here.
 */
export function processLog(io: Io, name: string): Logger {
  return createLogger(name, io.stderr);
}
