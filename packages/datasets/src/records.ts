import { readFile } from 'node:fs/promises';
import { ImportError } from './errors';

export interface SourceRecord {
  /** `file:line` of the record's first character. */
  where: string;
  value: unknown;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Start offsets of the elements of a top-level JSON array (the text is already known to parse). */
function elementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (depth === 1 && expectValue) {
      offsets.push(i);
      expectValue = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectValue = true;
  }
  return offsets;
}

/**
 * The line of the first array element that does not parse on its own. JSON.parse does not always
 * say where it failed, and a line number is what a researcher needs to fix the file.
 */
function firstBadElementLine(text: string): number {
  const offsets = elementOffsets(text);
  for (let i = 0; i < offsets.length; i++) {
    const start = offsets[i] as number;
    const last = i === offsets.length - 1;
    let chunk = text.slice(start, offsets[i + 1] ?? text.length);
    if (last) chunk = chunk.replace(/\]\s*$/, '');
    chunk = chunk.replace(/[\s,]*$/, '');
    try {
      JSON.parse(chunk);
    } catch {
      return lineOf(text, start);
    }
  }
  return 1;
}

/**
 * Reads records from a JSON array or from JSONL (one object per line; blank lines skipped),
 * deciding by the first character, and remembers each record's line for error messages.
 */
export async function readRecords(file: string): Promise<SourceRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImportError(file, `cannot read records: ${(error as Error).message}`);
  }
  const start = text.search(/\S/);
  if (start < 0) throw new ImportError(file, 'the file is empty');
  if (text[start] === '[') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const line = position ? lineOf(text, Number(position[1])) : firstBadElementLine(text);
      throw new ImportError(`${file}:${line}`, `malformed JSON: ${message}`);
    }
    const items = value as unknown[];
    const offsets = elementOffsets(text);
    return items.map((item, i) => ({
      where: `${file}:${lineOf(text, offsets[i] ?? 0)}`,
      value: item,
    }));
  }
  const records: SourceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      records.push({ where: `${file}:${i + 1}`, value: JSON.parse(line) });
    } catch (error) {
      throw new ImportError(`${file}:${i + 1}`, `malformed JSON: ${(error as Error).message}`);
    }
  }
  return records;
}
