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
  private readonly mediaTypes: Map<string, string>;

  constructor(
    private readonly store: ImageStore,
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
