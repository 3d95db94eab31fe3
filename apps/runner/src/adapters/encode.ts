import type { Episode, ImageEntry } from '@linkboard/core';
import type { ImageStore } from '@linkboard/datasets';
import sharp from 'sharp';
import type { ChatMessage, ChatPart } from '../baselines/request';
import type { ModelEpisode } from './types';

/** How an API wants an image inside a message, as each provider's reference gives it. */
export type ImagePartFormat = 'openai' | 'anthropic' | 'gemini';

/** An image as base64, with the media type it is sent as. */
export interface EncodedImage {
  mediaType: string;
  base64: string;
}

/**
 * Turns images into base64 once per job (an evaluation shows each support image many times), and
 * each into its message part once per API format, shrinking any whose longer side exceeds
 * `maxSide`.
 */
export class ImageEncoder {
  private readonly cache = new Map<string, Promise<EncodedImage>>();
  private readonly urls = new Map<string, Promise<string>>();
  private readonly parts = new Map<string, Promise<Buffer>>();
  /** The parts of `parts` that have resolved, for request bodies assembled without waiting. */
  private readonly readyParts = new Map<string, Buffer>();
  private readonly mediaTypes: Map<string, string>;

  constructor(
    private readonly store: Pick<ImageStore, 'read'>,
    /** The media type each image is sent as (a manifest's images, or a prepared job's). */
    manifest: { images: readonly Pick<ImageEntry, 'id' | 'mediaType'>[] },
    private readonly maxSide?: number,
    /**
     * Whether encoded images are kept for the next episode that shows them. A benchmark's images
     * recur across episodes; a ranked draw's are each shown once, and keeping them would hold a
     * whole run's images in memory.
     */
    private readonly keep = true,
  ) {
    this.mediaTypes = new Map(manifest.images.map((i) => [i.id, i.mediaType]));
  }

  image(imageId: string): Promise<EncodedImage> {
    if (!this.keep) return this.encode(imageId);
    let image = this.cache.get(imageId);
    if (!image) {
      image = this.encode(imageId);
      this.cache.set(imageId, image);
    }
    return image;
  }

  dataUrl(imageId: string): Promise<string> {
    if (!this.keep)
      return this.image(imageId).then(
        ({ mediaType, base64 }) => `data:${mediaType};base64,${base64}`,
      );
    let url = this.urls.get(imageId);
    if (!url) {
      url = this.image(imageId).then(
        ({ mediaType, base64 }) => `data:${mediaType};base64,${base64}`,
      );
      this.urls.set(imageId, url);
    }
    return url;
  }

  /**
   * The image's message part in an API's format, serialised once as JSON bytes: request bodies are
   * assembled from these, so the hundreds of kilobytes of base64 in each request are neither
   * re-escaped nor re-encoded.
   */
  imagePartJson(imageId: string, format: ImagePartFormat = 'openai'): Promise<Buffer> {
    if (!this.keep)
      return this.image(imageId).then((image) =>
        Buffer.from(JSON.stringify(imagePart(image, format))),
      );
    const key = `${format}:${imageId}`;
    let part = this.parts.get(key);
    if (!part) {
      part = this.image(imageId).then((image) => {
        const json = Buffer.from(JSON.stringify(imagePart(image, format)));
        this.readyParts.set(key, json);
        return json;
      });
      this.parts.set(key, part);
    }
    return part;
  }

  /**
   * The image's part as `imagePartJson` gives it, when it is encoded already: a request body of
   * images the job has shown before is assembled without an await per image, which at hundreds
   * of requests per second is CPU the requests themselves want.
   */
  readyPartJson(imageId: string, format: ImagePartFormat = 'openai'): Buffer | undefined {
    return this.readyParts.get(`${format}:${imageId}`);
  }

  private async encode(imageId: string): Promise<EncodedImage> {
    let bytes: Buffer = await this.store.read(imageId);
    let mediaType = this.mediaTypes.get(imageId) ?? 'image/jpeg';
    if (this.maxSide) {
      const meta = await sharp(bytes).metadata();
      if (Math.max(meta.width ?? 0, meta.height ?? 0) > this.maxSide) {
        bytes = await sharp(bytes)
          .resize(this.maxSide, this.maxSide, { fit: 'inside' })
          .jpeg({ quality: 90 })
          .toBuffer();
        mediaType = 'image/jpeg';
      }
    }
    return { mediaType, base64: bytes.toString('base64') };
  }
}

function imagePart({ mediaType, base64 }: EncodedImage, format: ImagePartFormat): object {
  switch (format) {
    case 'openai':
      return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${base64}` } };
    case 'anthropic':
      return { type: 'image', source: { type: 'base64', media_type: mediaType, data: base64 } };
    case 'gemini':
      return { inlineData: { mimeType: mediaType, data: base64 } };
  }
}

/** A turn of a conversation as the providers that alternate roles want it: same-role turns merged. */
export interface Turn {
  role: 'user' | 'assistant';
  content: Episode['prompt']['messages'][number]['content'];
}

/**
 * An episode's prompt split as Anthropic's and Google's APIs take it: the system text apart, and
 * the turns alternating (consecutive turns of one role merged, which both APIs would do anyway).
 */
export function systemAndTurns(episode: ModelEpisode): { system: string | null; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const message of episode.prompt.messages) {
    if (message.role === 'system') {
      system.push(textOf(message.content));
      continue;
    }
    const last = turns.at(-1);
    if (last?.role === message.role) last.content = [...last.content, ...message.content];
    else turns.push({ role: message.role, content: message.content });
  }
  return { system: system.length > 0 ? system.join('\n') : null, turns };
}

/**
 * An episode as OpenAI chat messages: system and assistant turns as plain strings (some servers
 * refuse part arrays there), user turns as text and image parts in the policy's order.
 */
export async function toChatMessages(
  episode: ModelEpisode,
  encoder: ImageEncoder,
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  for (const message of episode.prompt.messages) {
    if (message.role !== 'user') {
      messages.push({ role: message.role, content: textOf(message.content) });
      continue;
    }
    const content: ChatPart[] = [];
    for (const part of message.content) {
      if (part.type === 'text') content.push({ type: 'text', text: part.text });
      else
        content.push({
          type: 'image_url',
          image_url: { url: await encoder.dataUrl(part.imageId) },
        });
    }
    messages.push({ role: 'user', content });
  }
  return messages;
}

/** A message's text parts joined (system and assistant turns carry text only). */
export const textOf = (content: Episode['prompt']['messages'][number]['content']): string =>
  content.map((p) => (p.type === 'text' ? p.text : '')).join('');

/**
 * A request body assembled from JSON chunks and cached image parts (see `imagePartJson`): each
 * API's body is written around its images with this, so their base64 is copied, not re-escaped.
 */
export class JsonBody {
  // Text stays a string until `done` writes it, with the image parts, into one buffer of the
  // body's size: no Buffer per piece of text, and no list of them for Buffer.concat to walk.
  private readonly chunks: (string | Buffer)[] = [];
  private size = 0;
  raw(text: string): this {
    this.chunks.push(text);
    this.size += Buffer.byteLength(text);
    return this;
  }
  value(value: unknown): this {
    return this.raw(JSON.stringify(value));
  }
  bytes(bytes: Buffer): this {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }
  /** `,"key":value` for each field, in order. */
  fields(fields: Record<string, unknown>): this {
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined) this.raw(`,${JSON.stringify(key)}:${JSON.stringify(value)}`);
    return this;
  }
  done(): Buffer {
    const body = Buffer.allocUnsafe(this.size);
    let at = 0;
    for (const chunk of this.chunks)
      at += typeof chunk === 'string' ? body.write(chunk, at) : chunk.copy(body, at);
    return body;
  }
}

/**
 * A user turn's parts as JSON: text as the API writes it, images as the encoder's cached parts in
 * the API's format.
 */
export async function writeParts(
  body: JsonBody,
  parts: Episode['prompt']['messages'][number]['content'],
  encoder: ImageEncoder,
  format: ImagePartFormat,
  textPart: (text: string) => object,
): Promise<void> {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as (typeof parts)[number];
    if (i > 0) body.raw(',');
    if (part.type === 'text') body.value(textPart(part.text));
    else
      body.bytes(
        encoder.readyPartJson(part.imageId, format) ??
          (await encoder.imagePartJson(part.imageId, format)),
      );
  }
}

/**
 * The body of a chat completion request for an episode, as bytes: the same JSON as
 * `{ ...fields, messages: toChatMessages(episode) }`, assembled from cached image parts.
 */
export async function chatRequestBody(
  episode: ModelEpisode,
  encoder: ImageEncoder,
  fields: Record<string, unknown>,
): Promise<Buffer> {
  const body = new JsonBody().raw('{"messages":[');
  for (const [i, message] of episode.prompt.messages.entries()) {
    if (i > 0) body.raw(',');
    if (message.role !== 'user') {
      body.value({ role: message.role, content: textOf(message.content) });
      continue;
    }
    body.raw('{"role":"user","content":[');
    await writeParts(body, message.content, encoder, 'openai', (text) => ({ type: 'text', text }));
    body.raw(']}');
  }
  return body.raw(']').fields(fields).raw('}').done();
}
