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
