export interface TierInput {
  id: string;
  accuracy: number | null;
  low: number | null;
  high: number | null;
}

export interface Tiered<T> {
  row: T;
  /** 1 for the leader's tier; null when the row has no accuracy. */
  tier: number | null;
}

/**
 * Rank tiers: sort by accuracy, and every model whose interval reaches the tier leader's lower
 * bound shares the leader's tier; the first model that does not starts the next tier. A tier says
 * "these cannot be told apart from the best of them", which a bare rank overstates.
 */
export function rankTiers<T extends TierInput>(rows: readonly T[]): Tiered<T>[] {
  const scored = rows
    .filter((r) => r.accuracy !== null)
    .sort((a, b) => (b.accuracy as number) - (a.accuracy as number) || (a.id < b.id ? -1 : 1));
  const out: Tiered<T>[] = [];
  let tier = 0;
  let leaderLow = Number.NEGATIVE_INFINITY;
  for (const row of scored) {
    const high = row.high ?? (row.accuracy as number);
    if (tier === 0 || high < leaderLow) {
      tier++;
      leaderLow = row.low ?? (row.accuracy as number);
    }
    out.push({ row, tier });
  }
  for (const row of rows) if (row.accuracy === null) out.push({ row, tier: null });
  return out;
}
