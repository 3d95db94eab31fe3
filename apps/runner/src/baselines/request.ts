import { createHash } from 'node:crypto';

/**
 * What a model is asked, in OpenAI chat form: the one shape both the in-process baselines and the
 * reference server read, so that both give the same answer to the same episode by construction.
 */
export type ChatPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } };
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatPart[];
}

export interface ModelInput {
  /** Demonstrations in the order shown: each image with the label its answer named. */
  support: { image: Uint8Array; label: string }[];
  query: Uint8Array;
  /** The two labels in play: from the demonstrations, or from a zero-shot question. */
  candidates: string[];
  /** SHA-256 of the request (images by their hash): seeds the baselines that draw at random. */
  fingerprint: string;
}

export class RequestError extends Error {
  override name = 'RequestError';
}

const parts = (content: ChatMessage['content']): ChatPart[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

export function decodeDataUrl(url: string): Uint8Array {
  const match = /^data:image\/[a-z0-9.+-]+;base64,(.*)$/is.exec(url);
  if (!match) {
    throw new RequestError(
      `image_url must be a base64 data URL (data:image/...;base64,...), got "${url.slice(0, 40)}…"`,
    );
  }
  return Buffer.from(match[1] as string, 'base64');
}

/** A label from an assistant demonstration: its first quoted string (lcl form) or its whole text. */
function labelOf(text: string): string {
  const quoted = /"([^"]+)"/.exec(text);
  return (quoted ? (quoted[1] as string) : text).trim();
}

/** Reads demonstrations and the query from a chat request; refuses one it cannot read. */
export function readModelInput(messages: readonly ChatMessage[]): ModelInput {
  const support: ModelInput['support'] = [];
  const fingerprint = createHash('sha256');
  let pending: Uint8Array | null = null;
  let lastUserText = '';
  let query: Uint8Array | null = null;
  for (const message of messages) {
    fingerprint.update(`${message.role}:`);
    const images: Uint8Array[] = [];
    let text = '';
    for (const part of parts(message.content)) {
      if (part.type === 'text') {
        text += part.text;
        fingerprint.update(part.text);
      } else if (part.type === 'image_url') {
        const bytes = decodeDataUrl(part.image_url.url);
        images.push(bytes);
        fingerprint.update(`<image ${createHash('sha256').update(bytes).digest('hex')}>`);
      }
    }
    fingerprint.update('\n');
    if (message.role === 'user') {
      if (images.length > 1) throw new RequestError('a user turn holds more than one image');
      pending = images[0] ?? null;
      query = pending;
      lastUserText = text;
    } else if (message.role === 'assistant') {
      if (pending) support.push({ image: pending, label: labelOf(text) });
      pending = null;
      query = null;
    }
  }
  if (!query) throw new RequestError('the last user turn must hold the query image');
  const candidates = [...new Set(support.map((s) => s.label))];
  if (candidates.length < 2) {
    for (const match of lastUserText.matchAll(/"([^"]+)"/g)) {
      if (!candidates.includes(match[1] as string)) candidates.push(match[1] as string);
    }
  }
  return { support, query, candidates, fingerprint: fingerprint.digest('hex') };
}
