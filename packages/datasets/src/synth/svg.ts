import type { Prng } from '@linkboard/core';

/** Small helpers for writing SVG by hand in the generator's local 200×200 box (origin at centre). */

export type Pt = readonly [number, number];

export const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

export function hsl(h: number, s: number, l: number): string {
  return `hsl(${fmt(((h % 360) + 360) % 360)},${fmt(s)}%,${fmt(l)}%)`;
}

export const between = (rng: Prng, lo: number, hi: number) => lo + (hi - lo) * rng.nextFloat();
export const pick = <T>(rng: Prng, items: readonly T[]): T => items[rng.nextInt(items.length)] as T;

/** A closed polygon through the points. */
export function polygon(points: readonly Pt[], attrs: string): string {
  return `<polygon points="${points.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ')}" ${attrs}/>`;
}

/** A smooth wavy stroke from `from` going `length` along `angle` (degrees, 90 = down). */
export function wave(
  from: Pt,
  angle: number,
  length: number,
  amplitude: number,
  phase: number,
  attrs: string,
): string {
  const rad = (angle * Math.PI) / 180;
  const [dx, dy] = [Math.cos(rad), Math.sin(rad)];
  const [nx, ny] = [-dy, dx];
  const steps = 6;
  let d = `M${fmt(from[0])},${fmt(from[1])}`;
  for (let i = 1; i <= steps; i++) {
    const t = (i / steps) * length;
    const off = Math.sin(phase + (i / steps) * Math.PI * 2) * amplitude * (i / steps);
    d += ` L${fmt(from[0] + dx * t + nx * off)},${fmt(from[1] + dy * t + ny * off)}`;
  }
  return `<path d="${d}" fill="none" stroke-linecap="round" stroke-linejoin="round" ${attrs}/>`;
}

/** Points on an ellipse, for placing things around a body. */
export function onEllipse(rx: number, ry: number, degrees: number, cx = 0, cy = 0): Pt {
  const rad = (degrees * Math.PI) / 180;
  return [cx + rx * Math.cos(rad), cy + ry * Math.sin(rad)];
}

export const circle = (cx: number, cy: number, r: number, attrs: string) =>
  `<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="${fmt(r)}" ${attrs}/>`;

export const ellipse = (cx: number, cy: number, rx: number, ry: number, attrs: string) =>
  `<ellipse cx="${fmt(cx)}" cy="${fmt(cy)}" rx="${fmt(rx)}" ry="${fmt(ry)}" ${attrs}/>`;

export const line = (a: Pt, b: Pt, attrs: string) =>
  `<line x1="${fmt(a[0])}" y1="${fmt(a[1])}" x2="${fmt(b[0])}" y2="${fmt(b[1])}" stroke-linecap="round" ${attrs}/>`;

/** Wraps a fragment in a rotation about (x, y). */
export const rotated = (deg: number, x: number, y: number, inner: string) =>
  `<g transform="rotate(${fmt(deg)} ${fmt(x)} ${fmt(y)})">${inner}</g>`;

/**
 * A path drawn in a unit frame and mapped to `origin` with per-axis scales. Shapes that attach on
 * either side of a body (wings, claws) are drawn once and mirrored with a negative `sx`; mapping the
 * points, rather than scaling with a transform, keeps stroke widths even.
 */
export function framed(
  cmds: readonly (string | Pt)[],
  origin: Pt,
  sx: number,
  sy: number,
  attrs: string,
): string {
  const d = cmds
    .map((c) =>
      typeof c === 'string' ? c : `${fmt(origin[0] + c[0] * sx)},${fmt(origin[1] + c[1] * sy)}`,
    )
    .join(' ');
  return `<path d="${d}" stroke-linejoin="round" ${attrs}/>`;
}
