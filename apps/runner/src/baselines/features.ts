import sharp from 'sharp';

/**
 * Low-level image features for the `prototype` baseline: what a few-shot learner without any
 * semantics can use. Three blocks, each L2-normalised so none dominates:
 * - a colour histogram (4×4×4 RGB bins, square-rooted: the Hellinger embedding);
 * - a 16×16 grey thumbnail (mean-removed): the rough layout;
 * - gradient-orientation histograms (9 unsigned bins in 4×4 cells of a 64×64 grey image): edges
 *   and texture, in the spirit of HOG.
 */
export async function imageFeatures(bytes: Uint8Array): Promise<Float64Array> {
  const rgb = await sharp(bytes).removeAlpha().resize(64, 64, { fit: 'fill' }).raw().toBuffer();
  const colour = new Float64Array(64);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = (rgb[i] as number) >> 6;
    const g = (rgb[i + 1] as number) >> 6;
    const b = (rgb[i + 2] as number) >> 6;
    const bin = r * 16 + g * 4 + b;
    colour[bin] = (colour[bin] as number) + 1;
  }
  for (let i = 0; i < colour.length; i++) colour[i] = Math.sqrt(colour[i] as number);

  const grey = new Float64Array(64 * 64);
  for (let p = 0, i = 0; p < grey.length; p++, i += 3) {
    grey[p] =
      0.299 * (rgb[i] as number) + 0.587 * (rgb[i + 1] as number) + 0.114 * (rgb[i + 2] as number);
  }
  const thumb = new Float64Array(256);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const cell = (y >> 2) * 16 + (x >> 2);
      thumb[cell] = (thumb[cell] as number) + (grey[y * 64 + x] as number);
    }
  }
  const mean = thumb.reduce((a, b) => a + b, 0) / thumb.length;
  for (let i = 0; i < thumb.length; i++) thumb[i] = (thumb[i] as number) - mean;

  const hog = new Float64Array(4 * 4 * 9);
  for (let y = 1; y < 63; y++) {
    for (let x = 1; x < 63; x++) {
      const gx = (grey[y * 64 + x + 1] as number) - (grey[y * 64 + x - 1] as number);
      const gy = (grey[(y + 1) * 64 + x] as number) - (grey[(y - 1) * 64 + x] as number);
      const magnitude = Math.hypot(gx, gy);
      if (magnitude === 0) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const bin = Math.min(8, Math.floor((angle / Math.PI) * 9));
      const slot = ((y >> 4) * 4 + (x >> 4)) * 9 + bin;
      hog[slot] = (hog[slot] as number) + magnitude;
    }
  }
  return Float64Array.from([...normalise(colour), ...normalise(thumb), ...normalise(hog)]);
}

function normalise(v: Float64Array): Float64Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    d += diff * diff;
  }
  return d;
}
