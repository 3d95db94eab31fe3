import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value as COPY's text format takes it: null is `\N`, everything else its text. */
export type CopyValue = string | number | boolean | null;

// COPY's text format ends a row at a newline and a column at a tab, and reads a backslash as the
// start of an escape: those four are escaped, and nothing else needs to be.
const SPECIAL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One row of COPY's text format, without its newline. */
export function copyLine(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as CopyValue;
    if (i > 0) line += '\t';
    if (v === null) line += '\\N';
    else if (typeof v === 'string') line += v.replace(SPECIAL, (c) => ESCAPES[c] as string);
    else if (typeof v === 'boolean') line += v ? 't' : 'f';
    else line += String(v);
  }
  return line;
}

/**
 * Streams rows (lines of `copyLine`, each ending in a newline) into `table (columns)` with COPY
 * FROM STDIN on this connection, inside whatever transaction it has open; resolves once the server
 * has taken them all. A row the server refuses fails the COPY, and with it the transaction.
 */
export async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  text: string,
): Promise<void> {
  const list = columns.map((c) => `"${c}"`).join(', ');
  const stream = client.query(copyFrom(`COPY "${table}" (${list}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(text);
  });
}
