/**
 * `query-only`: the adversary a ranked draw is built against. It never reads the demonstrations:
 * from the two candidate names it takes the familiar one (a catalog base word), and from the query
 * image alone it decides whether the object carries the trait the public catalog pairs with that
 * base, with a logistic regression per base trained on public isekai-synth v3 seeds 2–9
 * (scripts/train-query-only.ts). On the public benchmark that prior is right and it scores above
 * 80%; on a ranked draw bases and traits are drawn afresh and half the episodes are flip, so it
 * scores 50%.
 */
export interface QueryOnlyWeights {
  /** Length of the feature vector the weights are for (`imageFeatures`). */
  features: number;
  /** Per base word: the score is bias + Σ weightᵢ · featureᵢ; above 0 says "the novel concept". */
  bases: Record<string, { bias: number; weights: number[] }>;
}

/** Whether the features show the base's public trait; null for a base the weights do not know. */
export function showsPublicTrait(
  weights: QueryOnlyWeights,
  base: string,
  features: Float64Array,
): boolean | null {
  const model = weights.bases[base];
  if (!model || features.length !== weights.features) return null;
  let z = model.bias;
  for (let i = 0; i < features.length; i++)
    z += (model.weights[i] as number) * (features[i] as number);
  return z > 0;
}
