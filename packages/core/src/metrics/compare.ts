/**
 * What the site needs to show several models side by side: a colour and a line style per model
 * that stay put as the set changes, and p-values adjusted for making many comparisons at once.
 */

/** The most models one comparison takes: 15 pairs already make a matrix one can still read. */
export const MAX_COMPARED = 6;

/**
 * Okabe and Ito's palette, told apart with every common colour-vision deficiency (its yellow is
 * left out: too faint on white).
 */
export const SERIES_PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#000000',
] as const;

/** Dash patterns (SVG stroke-dasharray) for lines that would otherwise lie on one another. */
export const SERIES_DASHES = ['', '6 3', '2 3', '10 4 2 4', '4 4', '1 5'] as const;

/** Marker shapes recharts draws, in the same spirit as the dashes. */
export const SERIES_MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'] as const;

export interface SeriesStyle {
  colour: string;
  dash: string;
  marker: (typeof SERIES_MARKERS)[number];
}

/** A submission id's preferred palette slot: a fixed integer mix, so the same id always lands on the same slot. */
export function paletteSlot(id: number, size: number = SERIES_PALETTE.length): number {
  let h = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % size;
}

/**
 * A style per submission id. The colour comes from the id, not from its place in a list, so a
 * model keeps its colour when others are added or reordered; ids that want the same slot take the
 * next free one in order of id, so adding a model with a higher id never changes anyone's colour,
 * and colours are distinct up to the palette's size. Dash and marker follow the order of id, so
 * two models with identical curves still show as two lines.
 */
export function seriesStyles(ids: readonly number[]): Map<number, SeriesStyle> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  const taken = new Set<number>();
  const styles = new Map<number, SeriesStyle>();
  unique.forEach((id, order) => {
    let slot = paletteSlot(id);
    // Once every slot is taken the palette repeats; dash and marker still tell the lines apart.
    if (taken.size >= SERIES_PALETTE.length) taken.clear();
    while (taken.has(slot)) slot = (slot + 1) % SERIES_PALETTE.length;
    taken.add(slot);
    styles.set(id, {
      colour: SERIES_PALETTE[slot] as string,
      dash: SERIES_DASHES[order % SERIES_DASHES.length] as string,
      marker: SERIES_MARKERS[order % SERIES_MARKERS.length] as SeriesStyle['marker'],
    });
  });
  return styles;
}

/**
 * Holm's step-down adjustment: controls the chance of any false "different" among the family of
 * tests, without assuming they are independent. Nulls (no test possible) stay null and do not
 * count as tests. The result is in the input's order.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues
    .map((p, index) => ({ p, index }))
    .filter((t): t is { p: number; index: number } => t.p !== null)
    .sort((a, b) => a.p - b.p || a.index - b.index);
  const m = tested.length;
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  tested.forEach((t, rank) => {
    // Each adjusted p is at least the one before it: the step-down stops at the first failure.
    running = Math.max(running, Math.min(1, (m - rank) * t.p));
    adjusted[t.index] = running;
  });
  return adjusted;
}
