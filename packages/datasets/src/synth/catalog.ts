import type { Prng } from '@linkboard/core';
import { between, fmt, hsl, onEllipse, type Pt, pick, polygon, wave } from './svg';

/**
 * The concepts of isekai-synth, made the ISEKAI way: a novel concept is a familiar base object with
 * a trait borrowed from another object (a fish with cactus spines); its partner is the plain base
 * object. Both sides of a pair share the base's shape, palette and every source of variation; only
 * the trait tells them apart.
 *
 * Drawings use a local box of 200×200 centred on the origin; the renderer places, rotates and
 * scales them.
 */

export interface Colors {
  body: string;
  accent: string;
  dark: string;
  light: string;
}

/** Where traits attach: the body's main mass as an ellipse, and its top and bottom points. */
export interface Anchors {
  body: { cx: number; cy: number; rx: number; ry: number };
  top: Pt;
  bottom: Pt;
}

export interface BaseObject {
  /** The familiar label: an ordinary word. */
  word: string;
  description: string;
  /** Hue range of the body colour, in degrees; the renderer jitters inside it. */
  hue: readonly [number, number];
  anchors: Anchors;
  draw(c: Colors, rng: Prng): string;
}

export interface Trait {
  /** The object the trait is borrowed from. */
  source: string;
  /** "a fish covered in cactus spines" */
  describe(base: string): string;
  draw(a: Anchors, c: Colors, rng: Prng): { behind: string; front: string };
}

export interface PairSpec {
  base: string;
  trait: string;
  /** The invented, pronounceable blend that names the novel concept. */
  novel: string;
}

const stroke = (c: Colors, w = 3) => `stroke="${c.dark}" stroke-width="${w}"`;

export const BASES: Record<string, BaseObject> = {
  fish: {
    word: 'fish',
    description: 'a fish with a forked tail and one fin',
    hue: [10, 50],
    anchors: { body: { cx: -5, cy: 0, rx: 62, ry: 38 }, top: [-5, -38], bottom: [-5, 38] },
    draw(c, rng) {
      const tail = between(rng, 28, 40);
      return [
        polygon(
          [
            [50, 0],
            [95, -tail],
            [85, 0],
            [95, tail],
          ],
          `fill="${c.accent}" ${stroke(c)}`,
        ),
        `<ellipse cx="-5" cy="0" rx="62" ry="38" fill="${c.body}" ${stroke(c)}/>`,
        polygon(
          [
            [-20, -30],
            [10, -55],
            [20, -32],
          ],
          `fill="${c.accent}" ${stroke(c, 2)}`,
        ),
        `<circle cx="-42" cy="-8" r="7" fill="${c.light}" ${stroke(c, 2)}/><circle cx="-44" cy="-8" r="3" fill="${c.dark}"/>`,
        `<path d="M-62,10 Q-52,16 -44,12" fill="none" ${stroke(c, 2)}/>`,
      ].join('');
    },
  },
  mushroom: {
    word: 'mushroom',
    description: 'a mushroom with a round spotted cap on a thick stem',
    hue: [0, 30],
    anchors: { body: { cx: 0, cy: -20, rx: 75, ry: 45 }, top: [0, -65], bottom: [0, 80] },
    draw(c, rng) {
      const spots = Array.from({ length: 5 }, (_, i) => {
        const [x, y] = onEllipse(45, 22, 200 + i * 35, 0, -30);
        return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${fmt(between(rng, 6, 11))}" fill="${c.light}"/>`;
      });
      return [
        `<path d="M-25,0 L-30,80 L30,80 L25,0 Z" fill="${c.light}" ${stroke(c)}/>`,
        `<path d="M-80,5 Q-80,-70 0,-68 Q80,-70 80,5 Z" fill="${c.body}" ${stroke(c)}/>`,
        ...spots,
      ].join('');
    },
  },
  teapot: {
    word: 'teapot',
    description: 'a round teapot with a spout, a handle and a lid',
    hue: [180, 240],
    anchors: { body: { cx: 0, cy: 10, rx: 58, ry: 48 }, top: [0, -48], bottom: [0, 58] },
    draw(c) {
      return [
        `<path d="M50,0 Q90,-10 92,-40 L80,-40 Q78,-18 50,-12" fill="${c.body}" ${stroke(c)}/>`,
        `<path d="M-52,-10 Q-95,-5 -80,30 Q-70,45 -52,35" fill="none" stroke="${c.dark}" stroke-width="9"/>`,
        `<ellipse cx="0" cy="10" rx="58" ry="48" fill="${c.body}" ${stroke(c)}/>`,
        `<path d="M-35,-30 Q0,-50 35,-30 Z" fill="${c.accent}" ${stroke(c)}/><circle cx="0" cy="-46" r="7" fill="${c.accent}" ${stroke(c, 2)}/>`,
        `<path d="M-40,15 Q0,30 40,15" fill="none" stroke="${c.light}" stroke-width="6"/>`,
      ].join('');
    },
  },
};

export const TRAITS: Record<string, Trait> = {
  cactus: {
    source: 'cactus',
    describe: (base) => `a ${base} whose body bristles with cactus spines`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const spikes: string[] = [];
      const n = 22;
      for (let i = 0; i < n; i++) {
        const deg = (360 / n) * i + between(rng, -5, 5);
        const [x, y] = onEllipse(rx * 0.92, ry * 0.92, deg, cx, cy);
        const [x2, y2] = onEllipse(rx + 16, ry + 16, deg, cx, cy);
        spikes.push(
          `<line x1="${fmt(x)}" y1="${fmt(y)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="hsl(110,45%,25%)" stroke-width="3" stroke-linecap="round"/>`,
        );
      }
      const dots = Array.from({ length: 10 }, () => {
        const [x, y] = onEllipse(
          rx * between(rng, 0.2, 0.75),
          ry * between(rng, 0.2, 0.75),
          between(rng, 0, 360),
          cx,
          cy,
        );
        return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="2.5" fill="hsl(110,45%,25%)"/>`;
      });
      return { behind: spikes.join(''), front: dots.join('') };
    },
  },
  octopus: {
    source: 'octopus',
    describe: (base) => `a ${base} with octopus tentacles curling from its underside`,
    draw(a, _c, rng) {
      const [bx, by] = a.bottom;
      const n = 5;
      const arms = Array.from({ length: n }, (_, i) => {
        const x = bx + (i - (n - 1) / 2) * 18;
        return wave(
          [x, by - 6],
          90 + (i - (n - 1) / 2) * 14,
          between(rng, 45, 60),
          12,
          between(rng, 0, 6),
          'stroke="hsl(300,45%,45%)" stroke-width="9"',
        );
      });
      return { behind: arms.join(''), front: '' };
    },
  },
  candle: {
    source: 'candle',
    describe: (base) => `a ${base} with candle flames burning on top`,
    draw(a, _c, rng) {
      const [tx, ty] = a.top;
      const flames = [-22, 0, 22].map((dx) => {
        const h = between(rng, 26, 36);
        const x = tx + dx;
        const y = ty - 4;
        return `<rect x="${fmt(x - 4)}" y="${fmt(y - 14)}" width="8" height="16" fill="hsl(50,30%,92%)" stroke="hsl(40,20%,40%)" stroke-width="1.5"/><path d="M${fmt(x)},${fmt(y - 14 - h)} Q${fmt(x + 10)},${fmt(y - 24)} ${fmt(x)},${fmt(y - 14)} Q${fmt(x - 10)},${fmt(y - 24)} ${fmt(x)},${fmt(y - 14 - h)} Z" fill="hsl(35,95%,55%)" stroke="hsl(15,90%,45%)" stroke-width="2"/>`;
      });
      return { behind: '', front: flames.join('') };
    },
  },
};

export const PAIRS: readonly PairSpec[] = [
  { base: 'fish', trait: 'cactus', novel: 'spinnafin' },
  { base: 'mushroom', trait: 'octopus', novel: 'octoshroom' },
  { base: 'teapot', trait: 'candle', novel: 'wickapot' },
];

/** Picks a palette for a base: body hue inside its range, everything else derived from it. */
export function paletteFor(base: BaseObject, rng: Prng): Colors {
  const h = between(rng, base.hue[0], base.hue[1]);
  const s = between(rng, 45, 75);
  const l = between(rng, 45, 62);
  return {
    body: hsl(h, s, l),
    accent: hsl(h + between(rng, 15, 35), s, l - 12),
    dark: hsl(h, 30, 18),
    light: hsl(h, 40, 90),
  };
}

export { pick };
