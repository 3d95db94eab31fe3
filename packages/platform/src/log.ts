import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * Logs of the long-running processes (the site's server, the runner): JSON lines with an ISO
 * timestamp (`time`), a level name and the process (`name`), one per event, for a log shipper;
 * in a terminal, readable lines instead. A command's user-facing output is plain text and does
 * not come here.
 */
export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

/** JSON unless the stream is a terminal. */
export function defaultLogFormat(stream: Writable): LogFormat {
  return (stream as Writable & { isTTY?: boolean }).isTTY ? 'pretty' : 'json';
}

const KNOWN = new Set(['time', 'level', 'name', 'msg', 'pid', 'hostname']);

/** One JSON log line as a terminal line: `12:03:04.567 INFO  runner: job 3: started`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = String(entry.level ?? '').toUpperCase();
  const extra = Object.entries(entry)
    .filter(([key]) => !KNOWN.has(key))
    .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('');
  return `${time} ${level.padEnd(5)} ${entry.name ? `${entry.name}: ` : ''}${entry.msg ?? ''}${extra}`;
}

/** A logger named `name` writing to `stream` (synchronously: nothing is lost at exit). */
export function createLogger(
  name: string,
  stream: Writable,
  options: { format?: LogFormat; level?: string } = {},
): Logger {
  const format = options.format ?? defaultLogFormat(stream);
  const destination =
    format === 'json'
      ? stream
      : {
          write(line: string) {
            stream.write(`${prettyLine(line.trimEnd())}\n`);
          },
        };
  return pino(
    {
      name,
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
