import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value as COPY's text format takes it: null is `\N`, everything else its text. */
export type CopyValue = string | number | boolean | null;

// COPY's text format ends a row at a newline and a column at a tab, and reads a backslash as the
// start of an escape: those four are escaped, and nothing else needs to be.
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(v: CopyValue): string {
  if (v === null) return '\\N';
  // Most values need no escape: testing first spares them a replace's new string.
  if (typeof v === 'string')
    return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPES[c] as string) : v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

/**
 * Rows in COPY's text format, encoded into one growing buffer as they are added. Each row's text
 * is garbage as soon as it is written: kept as strings until the batch is sent, a batch's tens
 * of thousands of rows outlived the young generation and the garbage collector took as long as
 * the encoding (twice as long as this, measured on a submission's 30,000 rows).
 */
export class CopyText {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  /** Adds one row: its values in the columns' order. */
  row(values: readonly CopyValue[]): void {
    let line = field(values[0] ?? null);
    for (let i = 1; i < values.length; i++) line += `\t${field(values[i] ?? null)}`;
    line += '\n';
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    const room = this.length + line.length * 3;
    if (room > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(line, this.length);
  }

  /** The rows added so far (a view of the buffer: valid until the next row). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * Streams rows (a `CopyText`'s bytes) into `table (columns)` with COPY FROM STDIN on this
 * connection, inside whatever transaction it has open; resolves once the server has taken them
 * all. A row the server refuses fails the COPY, and with it the transaction.
 */
export async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  rows: Buffer,
): Promise<void> {
  const list = columns.map((c) => `"${c}"`).join(', ');
  const stream = client.query(copyFrom(`COPY "${table}" (${list}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(rows);
  });
}
