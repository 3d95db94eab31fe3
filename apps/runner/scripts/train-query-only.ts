/**
 * Trains `query-only`, the reference model that answers from the query image and the two names
 * alone: per base object, a logistic regression on the baselines' image features that says
 * whether the image carries the trait the public catalog pairs with that base (isekai-synth v3's
 * fixed pairing). Trained on public seeds 2–9 (every image), never on seed 1, which it is tested
 * on. Deterministic: the generator and the fit are, so running it again writes the same file.
 *
 *   npx tsx apps/runner/scripts/train-query-only.ts   (about four minutes on two cores)
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateSynth } from '@linkboard/datasets';
import { imageFeatures } from '../src/baselines/features';
import type { QueryOnlyWeights } from '../src/baselines/query-only';

const SEEDS = [2, 3, 4, 5, 6, 7, 8, 9];
const EPOCHS = 300;
const RATE = 0.1;
const L2 = 0.01;

const byBase = new Map<string, { x: Float64Array; novel: boolean }[]>();
for (const seed of SEEDS) {
  const drawn = await generateSynth({ version: 3, seed });
  const baseOf = new Map(
    drawn.manifest.pairs.flatMap((p) => [
      [p.novel.id, p.familiar.name],
      [p.familiar.id, p.familiar.name],
    ]),
  );
  const novel = new Set(drawn.manifest.pairs.map((p) => p.novel.id));
  for (const image of drawn.manifest.images) {
    const base = baseOf.get(image.concept) as string;
    const list = byBase.get(base) ?? [];
    list.push({
      x: await imageFeatures(drawn.files.get(image.id) as Uint8Array),
      novel: novel.has(image.concept),
    });
    byBase.set(base, list);
  }
  console.error(`seed ${seed}: ${drawn.manifest.images.length} images`);
}

const weights: QueryOnlyWeights = { features: 0, bases: {} };
for (const [base, rows] of [...byBase].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const dim = rows[0]?.x.length ?? 0;
  weights.features = dim;
  // Standardised features, plain gradient descent with an L2 penalty: small, and reproducible.
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (const r of rows)
    for (let i = 0; i < dim; i++) mean[i] = (mean[i] as number) + (r.x[i] as number) / rows.length;
  for (const r of rows)
    for (let i = 0; i < dim; i++)
      sd[i] = (sd[i] as number) + ((r.x[i] as number) - (mean[i] as number)) ** 2 / rows.length;
  for (let i = 0; i < dim; i++) sd[i] = Math.sqrt(sd[i] as number) || 1;
  const xs = rows.map((r) =>
    Float64Array.from(r.x, (v, i) => (v - (mean[i] as number)) / (sd[i] as number)),
  );
  const w = new Float64Array(dim);
  let b = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const gw = new Float64Array(dim);
    let gb = 0;
    for (const [n, x] of xs.entries()) {
      let z = b;
      for (let i = 0; i < dim; i++) z += (w[i] as number) * (x[i] as number);
      const e = 1 / (1 + Math.exp(-z)) - (rows[n]?.novel ? 1 : 0);
      for (let i = 0; i < dim; i++) gw[i] = (gw[i] as number) + e * (x[i] as number);
      gb += e;
    }
    for (let i = 0; i < dim; i++)
      w[i] = (w[i] as number) - RATE * ((gw[i] as number) / xs.length + L2 * (w[i] as number));
    b -= (RATE * gb) / xs.length;
  }
  // The standardisation folded in: score = bias + Σ weight_i · feature_i.
  const folded = Array.from(w, (wi, i) => wi / (sd[i] as number));
  const bias = b - folded.reduce((acc, wi, i) => acc + wi * (mean[i] as number), 0);
  const round = (v: number) => Number(v.toPrecision(6));
  weights.bases[base] = { bias: round(bias), weights: folded.map(round) };
}
const out = fileURLToPath(new URL('../src/baselines/query-only-weights.json', import.meta.url));
await writeFile(out, `${JSON.stringify(weights)}\n`);
console.error(
  `wrote ${out}: ${Object.keys(weights.bases).length} bases × ${weights.features} features`,
);
