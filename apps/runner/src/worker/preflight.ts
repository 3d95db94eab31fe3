import {
  isSystematic,
  type PolicyName,
  type PreflightFacts,
  preflightPrompt,
} from '@linkboard/core';
import sharp from 'sharp';
import { ImageEncoder } from '../adapters/encode';
import type { Adapter } from '../adapters/types';
import { JobError } from './job-error';

/** Side of the preflight's images where the benchmark's are not known (a prepared job). */
export const PREFLIGHT_DEFAULT_SIDE = 512;

// Generated once per size: noise, so that the image is as large to encode as a photograph and a
// server's limit on request bytes is met as a real episode would meet it.
const generated = new Map<number, Promise<Buffer>>();
function noiseImage(side: number): Promise<Buffer> {
  let image = generated.get(side);
  if (!image) {
    image = sharp({
      create: {
        width: side,
        height: side,
        channels: 3,
        background: { r: 128, g: 128, b: 128 },
        noise: { type: 'gaussian', mean: 128, sigma: 48 },
      },
    })
      .jpeg({ quality: 90 })
      .toBuffer();
    generated.set(side, image);
    image.catch(() => generated.delete(side));
  }
  return image;
}

/** The preflight request and an encoder that serves its generated images. */
export function preflightRequest(
  policies: readonly PolicyName[],
  shots: readonly number[],
  options: { side: number; maxSide?: number },
) {
  const { id, prompt, images } = preflightPrompt(policies, shots);
  const encoder = new ImageEncoder(
    { read: () => noiseImage(options.side) },
    { images: images.map((imageId) => ({ id: imageId, mediaType: 'image/jpeg' })) },
    options.maxSide,
  );
  return { episode: { id, prompt }, images: images.length, encoder };
}

/**
 * Sends the preflight and reads its outcome. An endpoint that answered at all (an empty answer or
 * one lost to reasoning included) took the request: it passes. One that refused it, or whose reply
 * is not the API's, or that nobody listens at, fails the run for good (`preflight-failed`): asking
 * again later gets the same. A timeout, 429 or 5xx is the endpoint's passing trouble: the job is
 * retried later, as any attempt would be.
 */
export async function runPreflight(
  adapter: Adapter,
  request: { episode: ReturnType<typeof preflightRequest>['episode']; images: number },
  what: { shots: number },
  signal: AbortSignal,
): Promise<PreflightFacts | 'stopped'> {
  const result = await adapter.answer(request.episode, signal);
  if (result.errorClass === 'aborted' && signal.aborted) return 'stopped';
  const size = `${request.images} images (the run's largest episode: ${what.shots} shots and the query)`;
  if (result.errorClass && result.errorClass !== 'reasoning-exhausted') {
    const message = `a request with ${size} got ${result.errorClass}: ${result.error ?? 'no message'}`;
    if (isSystematic(result.errorClass)) throw new JobError('preflight-failed', message);
    throw new JobError(result.errorClass, `preflight: ${message}`);
  }
  return {
    images: request.images,
    latencyMs: Math.round(result.latencyMs),
    promptTokens: result.usage?.promptTokens ?? null,
    completionTokens: result.usage?.completionTokens ?? null,
    model: result.servedBy?.model ?? null,
    fingerprint: result.servedBy?.fingerprint ?? null,
    at: new Date().toISOString(),
  };
}
