import type { Episode, Manifest } from '@linkboard/core';
import type { ImageStore } from '@linkboard/datasets';
import sharp from 'sharp';
import type { ChatMessage, ChatPart } from '../baselines/request';

/**
 * Turns images into data URLs once per job (an evaluation shows each support image many times),
 * shrinking any whose longer side exceeds `maxSide`.
 */
/** How an API wants an image inside a message, as each provider's reference gives it. */
export type ImagePartFormat = 'openai' | 'anthropic' | 'gemini';

/** An image as base64, with the media type it is sent as. */
export interface EncodedImage {
  mediaType: string;
  base64: string;
}

export class ImageEncoder {
  private readonly cache = new Map<string, Promise<EncodedImage>>();
  private readonly urls = new Map<string, Promise<string>>();
  private readonly parts = new Map<string, Promise<Buffer>>();
  private readonly mediaTypes: Map<string, string>;

  constructor(
    private readonly store: Pick<ImageStore, 'read'>,
    manifest: Manifest,
    private readonly maxSide?: number,
  ) {
    this.mediaTypes = new Map(manifest.images.map((i) => [i.id, i.mediaType]));
  }

  image(imageId: string): Promise<EncodedImage> {
    let image = this.cache.get(imageId);
    if (!image) {
      image = this.encode(imageId);
      this.cache.set(imageId, image);
    }
    return image;
  }

  dataUrl(imageId: string): Promise<string> {
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
    const key = `${format}:${imageId}`;
    let part = this.parts.get(key);
    if (!part) {
      part = this.image(imageId).then((image) =>
        Buffer.from(JSON.stringify(imagePart(image, format))),
      );
      this.parts.set(key, part);
    }
    return part;
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
export function systemAndTurns(episode: Episode): { system: string | null; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const message of episode.prompt.messages) {
    if (message.role === 'system') {
      system.push(message.content.map((p) => (p.type === 'text' ? p.text : '')).join(''));
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
  episode: Episode,
  encoder: ImageEncoder,
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  for (const message of episode.prompt.messages) {
    if (message.role !== 'user') {
      messages.push({
        role: message.role,
        content: message.content.map((p) => (p.type === 'text' ? p.text : '')).join(''),
      });
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

/**
 * The body of a chat completion request for an episode, as bytes: the same JSON as
 * `{ ...fields, messages: toChatMessages(episode) }`, assembled from cached image parts.
 */
export async function chatRequestBody(
  episode: Episode,
  encoder: ImageEncoder,
  fields: Record<string, unknown>,
): Promise<Buffer> {
  const chunks: Buffer[] = [Buffer.from('{"messages":[')];
  for (const [i, message] of episode.prompt.messages.entries()) {
    if (i > 0) chunks.push(Buffer.from(','));
    if (message.role !== 'user') {
      const content = message.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
      chunks.push(Buffer.from(JSON.stringify({ role: message.role, content })));
      continue;
    }
    chunks.push(Buffer.from('{"role":"user","content":['));
    for (const [j, part] of message.content.entries()) {
      if (j > 0) chunks.push(Buffer.from(','));
      chunks.push(
        part.type === 'text'
          ? Buffer.from(JSON.stringify({ type: 'text', text: part.text }))
          : await encoder.imagePartJson(part.imageId),
      );
    }
    chunks.push(Buffer.from(']}'));
  }
  chunks.push(Buffer.from(']'));
  for (const [key, value] of Object.entries(fields))
    chunks.push(Buffer.from(`,${JSON.stringify(key)}:${JSON.stringify(value)}`));
  chunks.push(Buffer.from('}'));
  return Buffer.concat(chunks);
}
