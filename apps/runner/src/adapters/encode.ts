import type { Episode, Manifest } from '@linkboard/core';
import type { ImageStore } from '@linkboard/datasets';
import sharp from 'sharp';
import type { ChatMessage, ChatPart } from '../baselines/request';

/**
 * Turns images into data URLs once per job (an evaluation shows each support image many times),
 * shrinking any whose longer side exceeds `maxSide`.
 */
export class ImageEncoder {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly parts = new Map<string, Promise<Buffer>>();
  private readonly mediaTypes: Map<string, string>;

  constructor(
    private readonly store: Pick<ImageStore, 'read'>,
    manifest: Manifest,
    private readonly maxSide?: number,
  ) {
    this.mediaTypes = new Map(manifest.images.map((i) => [i.id, i.mediaType]));
  }

  dataUrl(imageId: string): Promise<string> {
    let url = this.cache.get(imageId);
    if (!url) {
      url = this.encode(imageId);
      this.cache.set(imageId, url);
    }
    return url;
  }

  /**
   * The image's chat part, serialised once as JSON bytes: request bodies are assembled from these,
   * so the hundreds of kilobytes of base64 in each request are neither re-escaped nor re-encoded.
   */
  imagePartJson(imageId: string): Promise<Buffer> {
    let part = this.parts.get(imageId);
    if (!part) {
      part = this.dataUrl(imageId).then((url) =>
        Buffer.from(JSON.stringify({ type: 'image_url', image_url: { url } })),
      );
      this.parts.set(imageId, part);
    }
    return part;
  }

  private async encode(imageId: string): Promise<string> {
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
    return `data:${mediaType};base64,${bytes.toString('base64')}`;
  }
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
