import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImportError, importDataset } from '../src';
import { isekaiCopy, listing, SAMPLE_RECORDS, tempDir } from './helpers';

// The attack corpus (corpus/attacks at the repository root): every input here must be refused.
const CORPUS = path.join(import.meta.dirname, '..', '..', '..', 'corpus', 'attacks');

interface Planted {
  text?: string;
  truncated?: string;
  fifo?: boolean;
  folder?: boolean;
  symlink?: string;
  bomb?: number;
}
interface ImportCase {
  case: string;
  records: (string | Record<string, unknown>)[];
  files?: Record<string, Planted>;
  refused: string;
}

const RECORDS: Record<string, Record<string, unknown>> = SAMPLE_RECORDS;

/** A record line: `@good`/`@other`, a variant `{"@from": …, field: value}`, or raw text. */
function line(entry: string | Record<string, unknown>): string {
  if (typeof entry === 'string')
    return entry.startsWith('@') ? JSON.stringify(RECORDS[entry.slice(1)]) : entry;
  const { '@from': from, ...changes } = entry;
  return JSON.stringify({ ...RECORDS[String(from)], ...changes });
}

/**
 * A PNG whose header claims `side` × `side` pixels over a few bytes of data: what a decoder
 * would allocate for, not what the file holds. The header's checksum is made right, so only the
 * size gives it away.
 */
async function bombPng(side: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // IHDR: length (4) 'IHDR' (4) width (4) height (4) …; its CRC covers type and data (17 bytes).
  png.writeUInt32BE(side, 16);
  png.writeUInt32BE(side, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

async function plant(root: string, images: string, relative: string, what: Planted) {
  const file = path.join(images, relative);
  if (what.text !== undefined) await writeFile(file, what.text);
  else if (what.truncated) {
    const whole = await readFile(path.join(images, what.truncated));
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
  } else if (what.fifo) execFileSync('mkfifo', [file]);
  else if (what.folder) await mkdir(file);
  else if (what.symlink) await symlink(path.join(root, what.symlink), file);
  else if (what.bomb) await writeFile(file, await bombPng(what.bomb));
}

const corpus = JSON.parse(await readFile(path.join(CORPUS, 'import-records.json'), 'utf8')) as {
  cases: ImportCase[];
};

describe('attack corpus: import records', () => {
  it.each(corpus.cases.map((c) => [c.case, c] as const))('refuses %s', async (_name, c) => {
    const dir = await isekaiCopy();
    const images = path.join(dir, 'images');
    for (const [relative, what] of Object.entries(c.files ?? {}))
      await plant(dir, images, relative, what);
    const records = path.join(dir, 'records.jsonl');
    await writeFile(records, `${c.records.map(line).join('\n')}\n`);
    const outParent = await tempDir();
    const error = await importDataset({
      format: 'isekai',
      input: records,
      images,
      out: path.join(outParent, 'out'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(new RegExp(c.refused));
    expect(await listing(outParent)).toEqual([]);
  });
});
