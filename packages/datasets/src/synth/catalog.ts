import type { Prng } from '@linkboard/core';
import {
  between,
  circle,
  ellipse,
  fmt,
  framed,
  hsl,
  line,
  onEllipse,
  type Pt,
  pick,
  polygon,
  rotated,
  wave,
} from './svg';

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
const filled = (fill: string, c: Colors, w = 3) => `fill="${fill}" ${stroke(c, w)}`;
const path = (d: string, attrs: string) => `<path d="${d}" stroke-linejoin="round" ${attrs}/>`;
/** Beaks, feet and leaves keep their natural colours whatever the body's hue. */
const ORANGE = 'hsl(32,90%,55%)';
const LEAF = 'hsl(110,50%,38%)';
/** An eye looking left, the way every head in the catalog faces before the renderer's flip. */
const eye = (x: number, y: number, r: number, c: Colors) =>
  circle(x, y, r, filled(c.light, c, 2)) + circle(x - r * 0.3, y, r * 0.5, `fill="${c.dark}"`);

/**
 * Shrinks and lowers a base drawn at full size, to leave room in the renderer's box for a trait
 * above or beside it; the anchors follow, so traits still land on the drawing.
 */
function placed(k: number, dy: number, base: BaseObject): BaseObject {
  const p = ([x, y]: Pt): Pt => [x * k, y * k + dy];
  const { cx, cy, rx, ry } = base.anchors.body;
  return {
    ...base,
    anchors: {
      body: { cx: cx * k, cy: cy * k + dy, rx: rx * k, ry: ry * k },
      top: p(base.anchors.top),
      bottom: p(base.anchors.bottom),
    },
    draw: (c, rng) =>
      `<g transform="translate(0 ${fmt(dy)}) scale(${fmt(k)})">${base.draw(c, rng)}</g>`,
  };
}

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
          filled(c.accent, c),
        ),
        ellipse(-5, 0, 62, 38, filled(c.body, c)),
        polygon(
          [
            [-20, -30],
            [10, -55],
            [20, -32],
          ],
          filled(c.accent, c, 2),
        ),
        eye(-42, -8, 7, c),
        path('M-62,10 Q-52,16 -44,12', `fill="none" ${stroke(c, 2)}`),
      ].join('');
    },
  },
  mushroom: {
    word: 'mushroom',
    description: 'a mushroom with a round spotted cap on a thick stem',
    hue: [0, 30],
    anchors: { body: { cx: 0, cy: -30, rx: 80, ry: 38 }, top: [0, -68], bottom: [0, 80] },
    draw(c, rng) {
      const spots = Array.from({ length: 5 }, (_, i) => {
        const [x, y] = onEllipse(45, 22, 200 + i * 35, 0, -30);
        return circle(x, y, between(rng, 6, 11), `fill="${c.light}"`);
      });
      return [
        path('M-25,0 L-30,80 L30,80 L25,0 Z', filled(c.light, c)),
        path('M-80,5 Q-80,-70 0,-68 Q80,-70 80,5 Z', filled(c.body, c)),
        ...spots,
      ].join('');
    },
  },
  teapot: placed(1, 10, {
    word: 'teapot',
    description: 'a round teapot with a spout, a handle and a lid',
    hue: [180, 240],
    anchors: { body: { cx: 0, cy: 10, rx: 58, ry: 48 }, top: [0, -48], bottom: [0, 58] },
    draw(c) {
      return [
        path('M50,0 Q90,-10 92,-40 L80,-40 Q78,-18 50,-12', filled(c.body, c)),
        path(
          'M-52,-10 Q-95,-5 -80,30 Q-70,45 -52,35',
          `fill="none" stroke="${c.dark}" stroke-width="9"`,
        ),
        ellipse(0, 10, 58, 48, filled(c.body, c)),
        path('M-35,-30 Q0,-50 35,-30 Z', filled(c.accent, c)),
        circle(0, -46, 7, filled(c.accent, c, 2)),
        path('M-40,15 Q0,30 40,15', `fill="none" stroke="${c.light}" stroke-width="6"`),
      ].join('');
    },
  }),
  bird: placed(0.9, 10, {
    word: 'bird',
    description: 'a small songbird with a beak, a folded wing and thin legs',
    hue: [160, 260],
    anchors: { body: { cx: 5, cy: 15, rx: 55, ry: 40 }, top: [-40, -55], bottom: [5, 80] },
    draw(c, rng) {
      const tail = between(rng, 25, 40);
      return [
        path(
          'M-8,50 L-12,80 M-20,80 L-4,80 M18,50 L22,80 M14,80 L30,80',
          `fill="none" ${stroke(c, 4)}`,
        ),
        polygon(
          [
            [45, 5],
            [55 + tail, -15 - tail * 0.5],
            [62 + tail, 0 - tail * 0.2],
            [50, 25],
          ],
          filled(c.accent, c),
        ),
        ellipse(5, 15, 55, 40, filled(c.body, c)),
        path('M-5,10 Q40,-8 62,22 Q30,42 -5,10 Z', filled(c.accent, c)),
        circle(-40, -25, 30, filled(c.body, c)),
        polygon(
          [
            [-66, -32],
            [-92, -22],
            [-66, -13],
          ],
          filled(ORANGE, c, 2),
        ),
        eye(-47, -32, 6, c),
      ].join('');
    },
  }),
  turtle: {
    word: 'turtle',
    description: 'a turtle with a domed, patterned shell, stubby legs and a head poking out',
    hue: [80, 140],
    anchors: { body: { cx: 0, cy: -12, rx: 68, ry: 40 }, top: [0, -50], bottom: [0, 40] },
    draw(c, rng) {
      const neck = between(rng, 0, 12);
      const hex = (x: number, y: number, r: number) =>
        polygon(
          Array.from({ length: 6 }, (_, i) => onEllipse(r, r * 0.8, i * 60, x, y)),
          filled(c.body, c, 2),
        );
      return [
        ellipse(-42, 22, 13, 18, filled(c.body, c)),
        ellipse(42, 22, 13, 18, filled(c.body, c)),
        polygon(
          [
            [60, 0],
            [88, 10],
            [60, 16],
          ],
          filled(c.body, c),
        ),
        path(`M-55,0 Q-70,-5 ${-70 - neck},-12 L${-60 - neck},8 Z`, filled(c.body, c)),
        ellipse(-82 - neck, -12, 20, 15, filled(c.body, c)),
        eye(-90 - neck, -16, 4, c),
        path('M-72,12 Q-72,-52 0,-52 Q72,-52 72,12 Z', filled(c.accent, c)),
        hex(0, -22, 18),
        hex(-38, -10, 14),
        hex(38, -10, 14),
        path('M-74,12 L74,12', stroke(c, 5)),
      ].join('');
    },
  },
  snail: {
    word: 'snail',
    description: 'a snail with a spiral shell on its back and two eye stalks',
    hue: [15, 45],
    anchors: { body: { cx: 10, cy: -10, rx: 60, ry: 48 }, top: [15, -65], bottom: [0, 45] },
    draw(c, rng) {
      const stalk = between(rng, 28, 38);
      const spiral = Array.from({ length: 40 }, (_, i) => {
        const t = (i / 39) * Math.PI * 4.2;
        const r = 3 + t * 3.1;
        return `${fmt(15 + r * Math.cos(t))},${fmt(-15 + r * Math.sin(t))}`;
      });
      return [
        path(
          `M-70,-12 L${-84},${-12 - stalk} M-60,-12 L${-58},${-14 - stalk}`,
          `fill="none" ${stroke(c, 3)}`,
        ),
        circle(-84, -14 - stalk, 5, `fill="${c.dark}"`),
        circle(-58, -16 - stalk, 5, `fill="${c.dark}"`),
        path(
          'M-88,20 Q-92,-20 -66,-20 Q-52,-18 -50,20 L80,28 Q92,44 70,45 L-80,45 Q-92,42 -88,20 Z',
          filled(c.light, c),
        ),
        circle(15, -15, 50, filled(c.body, c)),
        `<polyline points="${spiral.join(' ')}" fill="none" ${stroke(c, 3)}/>`,
        eye(-75, -2, 4, c),
      ].join('');
    },
  },
  house: placed(0.85, 5, {
    word: 'house',
    description: 'a little house with a pointed roof, a door, two windows and a chimney',
    hue: [0, 50],
    anchors: { body: { cx: 0, cy: 28, rx: 58, ry: 45 }, top: [0, -78], bottom: [0, 72] },
    draw(c, rng) {
      const door = between(rng, -20, 20);
      const win = (x: number) =>
        `<rect x="${x}" y="4" width="26" height="24" ${filled(c.light, c, 2)}/>` +
        path(`M${x + 13},4 L${x + 13},28 M${x},16 L${x + 26},16`, stroke(c, 2));
      return [
        `<rect x="26" y="-70" width="16" height="40" ${filled(c.accent, c)}/>`,
        `<rect x="-55" y="-16" width="110" height="88" ${filled(c.body, c)}/>`,
        polygon(
          [
            [-72, -12],
            [0, -78],
            [72, -12],
          ],
          filled(c.accent, c),
        ),
        `<rect x="${fmt(door - 11)}" y="32" width="22" height="40" ${filled(c.dark, c, 2)}/>`,
        win(-44),
        win(18),
      ].join('');
    },
  }),
  car: {
    word: 'car',
    description: 'a small car seen from the side, with windows and two wheels',
    hue: [0, 360],
    anchors: { body: { cx: 0, cy: 2, rx: 88, ry: 32 }, top: [0, -48], bottom: [0, 52] },
    draw(c, rng) {
      const roof = between(rng, -6, 6);
      const wheel = (x: number) =>
        circle(x, 32, 20, `fill="${c.dark}"`) + circle(x, 32, 8, filled('hsl(0,0%,75%)', c, 2));
      return [
        path(
          `M-90,32 L-90,0 Q-88,-12 -70,-14 L-45,-14 L${-30 + roof},-48 L${35 + roof},-48 L55,-14 L80,-12 Q92,-8 92,10 L92,32 Z`,
          filled(c.body, c),
        ),
        polygon(
          [
            [-26 + roof, -42],
            [-3, -42],
            [-3, -18],
            [-38, -18],
          ],
          filled(c.light, c, 2),
        ),
        polygon(
          [
            [4, -42],
            [31 + roof, -42],
            [46, -18],
            [4, -18],
          ],
          filled(c.light, c, 2),
        ),
        circle(86, 0, 5, filled('hsl(50,90%,70%)', c, 2)),
        wheel(-52),
        wheel(55),
      ].join('');
    },
  },
  boat: {
    word: 'boat',
    description: 'a sailing boat with a hull, a mast, two sails and a flag',
    hue: [0, 40],
    anchors: { body: { cx: 0, cy: 30, rx: 78, ry: 22 }, top: [0, -86], bottom: [0, 52] },
    draw(c, rng) {
      const sail = between(rng, 48, 62);
      return [
        path('M0,12 L0,-86', stroke(c, 4)),
        polygon(
          [
            [0, -86],
            [18, -80],
            [0, -74],
          ],
          filled(c.accent, c, 2),
        ),
        polygon(
          [
            [4, -74],
            [4, 4],
            [4 + sail, 4],
          ],
          filled('hsl(45,30%,96%)', c),
        ),
        polygon(
          [
            [-4, -64],
            [-4, 4],
            [-4 - sail * 0.75, 4],
          ],
          filled('hsl(45,30%,96%)', c),
        ),
        polygon(
          [
            [-92, 10],
            [92, 10],
            [66, 52],
            [-66, 52],
          ],
          filled(c.body, c),
        ),
        path('M-84,22 L84,22', `stroke="${c.light}" stroke-width="5"`),
        circle(-30, 36, 5, filled(c.light, c, 2)),
        circle(0, 36, 5, filled(c.light, c, 2)),
        circle(30, 36, 5, filled(c.light, c, 2)),
      ].join('');
    },
  },
  lamp: placed(0.85, 18, {
    word: 'lamp',
    description: 'a table lamp with a wide shade on a thin stand and a round foot',
    hue: [20, 200],
    anchors: { body: { cx: 0, cy: -32, rx: 58, ry: 36 }, top: [0, -68], bottom: [0, 76] },
    draw(c, rng) {
      const chain = between(rng, 18, 34);
      return [
        `<rect x="-6" y="-2" width="12" height="72" ${filled(c.accent, c)}/>`,
        ellipse(0, 70, 45, 10, filled(c.accent, c)),
        path(`M30,0 L30,${fmt(chain)}`, stroke(c, 2)),
        circle(30, chain + 4, 4, filled(c.light, c, 2)),
        polygon(
          [
            [-36, -68],
            [36, -68],
            [66, 2],
            [-66, 2],
          ],
          filled(c.body, c),
        ),
        path('M-52,-12 L52,-12 M-44,-30 L44,-30', `stroke="${c.light}" stroke-width="5"`),
      ].join('');
    },
  }),
  umbrella: placed(0.78, 10, {
    word: 'umbrella',
    description: 'an open umbrella with a scalloped canopy and a hooked handle',
    hue: [0, 360],
    anchors: { body: { cx: 0, cy: -28, rx: 86, ry: 44 }, top: [0, -84], bottom: [0, 88] },
    draw(c, rng) {
      const hook = between(rng, 22, 32);
      return [
        path('M0,-72 L0,70', stroke(c, 5)),
        path(
          `M0,70 Q0,88 ${-hook / 2},88 Q${-hook},88 ${-hook},76`,
          `fill="none" stroke="${c.dark}" stroke-width="7" stroke-linecap="round"`,
        ),
        path(
          'M-90,0 Q-88,-70 0,-72 Q88,-70 90,0 Q67,-14 45,0 Q22,-14 0,0 Q-22,-14 -45,0 Q-67,-14 -90,0 Z',
          filled(c.body, c),
        ),
        path('M0,-72 Q-30,-50 -45,0 M0,-72 Q30,-50 45,0', `fill="none" ${stroke(c, 2)}`),
        path(
          'M0,-72 Q-60,-60 -67,-7 M0,-72 Q60,-60 67,-7',
          `fill="none" stroke="${c.light}" stroke-width="3"`,
        ),
        path('M0,-72 L0,-84', stroke(c, 5)),
      ].join('');
    },
  }),
  bell: placed(0.8, 18, {
    word: 'bell',
    description: 'a golden bell with a flared rim, a clapper and a loop on top',
    hue: [35, 55],
    anchors: { body: { cx: 0, cy: 5, rx: 55, ry: 55 }, top: [0, -74], bottom: [0, 76] },
    draw(c, rng) {
      const swing = between(rng, -8, 8);
      return [
        circle(0, -64, 10, `fill="none" ${stroke(c, 5)}`),
        circle(swing, 64, 11, filled(c.accent, c)),
        path('M-62,50 Q-48,35 -45,0 Q-45,-58 0,-58 Q45,-58 45,0 Q48,35 62,50 Z', filled(c.body, c)),
        ellipse(0, 52, 64, 9, filled(c.accent, c)),
        path(
          'M-26,-35 Q-32,0 -34,30',
          `fill="none" stroke="${c.light}" stroke-width="7" stroke-linecap="round"`,
        ),
      ].join('');
    },
  }),
  apple: placed(0.85, 10, {
    word: 'apple',
    description: 'a round red apple with a short stem and a leaf',
    hue: [350, 375],
    anchors: { body: { cx: 0, cy: 8, rx: 64, ry: 58 }, top: [0, -56], bottom: [0, 64] },
    draw(c, rng) {
      const leaf = between(rng, -40, -15);
      return [
        path(
          'M0,-40 C30,-65 78,-45 70,10 C64,55 30,72 0,60 C-30,72 -64,55 -70,10 C-78,-45 -30,-65 0,-40 Z',
          filled(c.body, c),
        ),
        path('M0,-40 Q3,-58 10,-68', `fill="none" ${stroke(c, 5)}`),
        rotated(leaf, 10, -60, ellipse(28, -60, 18, 8, filled(LEAF, c, 2))),
        rotated(25, -34, -12, ellipse(-34, -12, 9, 17, `fill="${c.light}" opacity="0.7"`)),
      ].join('');
    },
  }),
  owl: placed(0.85, -12, {
    word: 'owl',
    description: 'an owl with ear tufts, big round eyes, a small beak and folded wings',
    hue: [18, 40],
    anchors: { body: { cx: 0, cy: 12, rx: 56, ry: 66 }, top: [0, -56], bottom: [0, 84] },
    draw(c, rng) {
      const tuft = between(rng, 66, 78);
      const chevrons = [-14, 0, 14].flatMap((x) =>
        [28, 48].map((y) =>
          path(`M${x - 6},${y} L${x},${y + 6} L${x + 6},${y}`, `fill="none" ${stroke(c, 2)}`),
        ),
      );
      return [
        polygon(
          [
            [-48, -30],
            [-42, -tuft],
            [-18, -48],
          ],
          filled(c.accent, c),
        ),
        polygon(
          [
            [48, -30],
            [42, -tuft],
            [18, -48],
          ],
          filled(c.accent, c),
        ),
        path(
          'M-16,76 L-18,84 M-10,76 L-10,85 M10,76 L10,85 M16,76 L18,84',
          `stroke="${ORANGE}" stroke-width="5"`,
        ),
        ellipse(0, 12, 56, 66, filled(c.body, c)),
        ellipse(0, 40, 34, 38, filled(c.light, c, 2)),
        ellipse(-50, 22, 13, 36, filled(c.accent, c)),
        ellipse(50, 22, 13, 36, filled(c.accent, c)),
        circle(-21, -18, 18, filled(c.light, c, 2)),
        circle(21, -18, 18, filled(c.light, c, 2)),
        circle(-21, -18, 8, `fill="${c.dark}"`),
        circle(21, -18, 8, `fill="${c.dark}"`),
        polygon(
          [
            [-7, -6],
            [7, -6],
            [0, 8],
          ],
          filled(ORANGE, c, 2),
        ),
        ...chevrons,
      ].join('');
    },
  }),
  frog: {
    word: 'frog',
    description: 'a sitting frog with bulging eyes on top of its head and a wide mouth',
    hue: [85, 140],
    anchors: { body: { cx: 0, cy: 18, rx: 68, ry: 48 }, top: [0, -30], bottom: [0, 70] },
    draw(c, rng) {
      const smile = between(rng, 16, 26);
      const eyeBump = (x: number) =>
        circle(x, -28, 20, filled(c.body, c)) +
        circle(x, -30, 12, filled(c.light, c, 2)) +
        circle(x, -30, 6, `fill="${c.dark}"`);
      return [
        ellipse(-60, 48, 28, 18, filled(c.accent, c)),
        ellipse(60, 48, 28, 18, filled(c.accent, c)),
        eyeBump(-34),
        eyeBump(34),
        ellipse(0, 18, 68, 48, filled(c.body, c)),
        ellipse(0, 40, 40, 25, `fill="${c.light}"`),
        path(`M-42,2 Q0,${smile} 42,2`, `fill="none" ${stroke(c, 3)}`),
        ellipse(-28, 66, 16, 7, filled(c.accent, c, 2)),
        ellipse(28, 66, 16, 7, filled(c.accent, c, 2)),
      ].join('');
    },
  },
  whale: {
    word: 'whale',
    description: 'a big whale with a pale belly, a flipper and a wide forked tail',
    hue: [195, 235],
    anchors: { body: { cx: -15, cy: 10, rx: 72, ry: 45 }, top: [-20, -35], bottom: [-15, 55] },
    draw(c, rng) {
      const fluke = between(rng, 25, 40);
      return [
        path(
          `M-88,10 Q-88,-35 -20,-35 Q40,-35 66,-4 L92,${-fluke} Q98,-10 90,2 Q100,10 102,${fluke - 10} L66,12 Q45,55 -20,55 Q-88,55 -88,10 Z`,
          filled(c.body, c),
        ),
        path('M-84,24 Q-20,62 46,22 Q-20,46 -84,24 Z', `fill="${c.light}"`),
        path('M-87,18 Q-62,30 -40,22', `fill="none" ${stroke(c, 2)}`),
        eye(-58, 4, 5, c),
        polygon(
          [
            [-30, 32],
            [-6, 34],
            [-34, 58],
          ],
          filled(c.accent, c, 2),
        ),
      ].join('');
    },
  },
  rocket: placed(0.8, 18, {
    word: 'rocket',
    description: 'an upright rocket with a pointed nose cone, a round window and three fins',
    hue: [0, 360],
    anchors: { body: { cx: 0, cy: 0, rx: 36, ry: 62 }, top: [0, -88], bottom: [0, 76] },
    draw(c, rng) {
      const fin = between(rng, 58, 72);
      return [
        polygon(
          [
            [-28, 18],
            [-60, fin],
            [-30, 56],
          ],
          filled(c.body, c),
        ),
        polygon(
          [
            [28, 18],
            [60, fin],
            [30, 56],
          ],
          filled(c.body, c),
        ),
        polygon(
          [
            [-18, 60],
            [18, 60],
            [24, 76],
            [-24, 76],
          ],
          filled(c.dark, c),
        ),
        path('M0,-88 Q40,-50 32,40 L30,62 L-30,62 L-32,40 Q-40,-50 0,-88 Z', filled(c.light, c)),
        path('M0,-88 Q22,-68 29,-42 L-29,-42 Q-22,-68 0,-88 Z', filled(c.body, c)),
        circle(0, -8, 15, filled(c.accent, c, 5)),
        path('M0,30 L0,62', `stroke="${c.body}" stroke-width="8"`),
      ].join('');
    },
  }),
  bottle: {
    word: 'bottle',
    description: 'a glass bottle with a narrow neck, a cap and a paper label',
    hue: [100, 210],
    anchors: { body: { cx: 0, cy: 28, rx: 40, ry: 52 }, top: [0, -90], bottom: [0, 80] },
    draw(c, rng) {
      const label = between(rng, 30, 44);
      return [
        path(
          'M-12,-80 L-12,-45 Q-38,-35 -38,-10 L-38,72 Q-38,80 -30,80 L30,80 Q38,80 38,72 L38,-10 Q38,-35 12,-45 L12,-80 Z',
          filled(c.body, c),
        ),
        `<rect x="-15" y="-92" width="30" height="14" rx="3" ${filled(c.accent, c)}/>`,
        `<rect x="-38" y="8" width="76" height="${fmt(label)}" ${filled(c.light, c, 2)}/>`,
        path(`M-24,${fmt(18 + label / 4)} L24,${fmt(18 + label / 4)}`, stroke(c, 2)),
        path(
          'M-26,-12 L-26,0 M-26,60 L-26,70',
          `stroke="${c.light}" stroke-width="5" stroke-linecap="round"`,
        ),
      ].join('');
    },
  },
  clock: placed(0.75, 20, {
    word: 'clock',
    description: 'a round wall clock with twelve hour marks and two hands',
    hue: [0, 360],
    anchors: { body: { cx: 0, cy: 0, rx: 68, ry: 68 }, top: [0, -68], bottom: [0, 68] },
    draw(c, rng) {
      const ticks = Array.from({ length: 12 }, (_, i) =>
        line(onEllipse(44, 44, i * 30), onEllipse(52, 52, i * 30), stroke(c, i % 3 ? 3 : 6)),
      );
      const hour = between(rng, 0, 360);
      const minute = between(rng, 0, 360);
      return [
        circle(0, 0, 68, filled(c.body, c)),
        circle(0, 0, 56, filled(c.light, c, 2)),
        ...ticks,
        line([0, 0], onEllipse(28, 28, hour), stroke(c, 7)),
        line([0, 0], onEllipse(42, 42, minute), stroke(c, 4)),
        circle(0, 0, 5, `fill="${c.accent}"`),
      ].join('');
    },
  }),
  cupcake: placed(0.85, 5, {
    word: 'cupcake',
    description: 'a cupcake in a pleated paper cup, with swirled frosting and a cherry',
    hue: [290, 350],
    anchors: { body: { cx: 0, cy: 8, rx: 54, ry: 60 }, top: [0, -68], bottom: [0, 70] },
    draw(c, rng) {
      const sprinkles = Array.from({ length: 7 }, () => {
        const [x, y] = [between(rng, -36, 36), between(rng, -40, 0)];
        return rotated(
          between(rng, 0, 180),
          x,
          y,
          `<rect x="${fmt(x - 5)}" y="${fmt(y - 1.5)}" width="10" height="3" fill="${hsl(between(rng, 0, 360), 80, 60)}"/>`,
        );
      });
      const ridges = [-30, -15, 0, 15, 30].map((x) => line([x, 12], [x * 0.75, 68], stroke(c, 2)));
      return [
        polygon(
          [
            [-48, 10],
            [48, 10],
            [36, 70],
            [-36, 70],
          ],
          filled(c.accent, c),
        ),
        ...ridges,
        path('M-4,-62 Q0,-76 10,-80', `fill="none" ${stroke(c, 3)}`),
        path(
          'M-56,12 Q-68,-6 -46,-12 Q-54,-32 -30,-34 Q-32,-54 0,-54 Q32,-54 30,-34 Q54,-32 46,-12 Q68,-6 56,12 Z',
          filled(c.body, c),
        ),
        path('M-44,-12 Q0,0 44,-12 M-28,-34 Q0,-24 28,-34', `fill="none" ${stroke(c, 2)}`),
        ...sprinkles,
        circle(-4, -60, 10, filled('hsl(355,80%,45%)', c, 2)),
      ].join('');
    },
  }),
  mug: {
    word: 'mug',
    description: 'a coffee mug with a round handle and a stripe',
    hue: [0, 360],
    anchors: { body: { cx: -6, cy: 8, rx: 54, ry: 58 }, top: [-6, -48], bottom: [-6, 62] },
    draw(c, rng) {
      const stripe = between(rng, -20, 20);
      const handle = 'M36,-28 Q80,-28 78,8 Q76,42 36,38';
      return [
        path(handle, `fill="none" stroke="${c.dark}" stroke-width="17"`),
        path(handle, `fill="none" stroke="${c.body}" stroke-width="11"`),
        path('M-50,-45 L-50,44 Q-50,62 -32,62 L20,62 Q38,62 38,44 L38,-45 Z', filled(c.body, c)),
        `<rect x="-50" y="${fmt(stripe)}" width="88" height="12" fill="${c.light}"/>`,
        ellipse(-6, -45, 44, 9, filled('hsl(25,50%,25%)', c)),
      ].join('');
    },
  },
  pear: placed(0.85, 12, {
    word: 'pear',
    description: 'a pear, narrow at the top and round at the bottom, with a stem and a leaf',
    hue: [55, 95],
    anchors: { body: { cx: 0, cy: 30, rx: 58, ry: 48 }, top: [0, -56], bottom: [0, 80] },
    draw(c, rng) {
      const leaf = between(rng, -35, -10);
      return [
        path(
          'M0,-52 C22,-52 26,-30 30,-10 C36,10 62,25 60,48 C56,76 28,80 0,80 C-28,80 -56,76 -60,48 C-62,25 -36,10 -30,-10 C-26,-30 -22,-52 0,-52 Z',
          filled(c.body, c),
        ),
        path('M0,-50 Q2,-62 8,-72', `fill="none" ${stroke(c, 5)}`),
        rotated(leaf, 8, -64, ellipse(24, -64, 16, 7, filled(LEAF, c, 2))),
        rotated(20, -30, 35, ellipse(-30, 35, 8, 16, `fill="${c.light}" opacity="0.7"`)),
      ].join('');
    },
  }),
  penguin: placed(0.78, 18, {
    word: 'penguin',
    description: 'a standing penguin with a pale belly, flippers, a beak and orange feet',
    hue: [200, 240],
    anchors: { body: { cx: 0, cy: 10, rx: 52, ry: 72 }, top: [0, -62], bottom: [0, 88] },
    draw(c, rng) {
      const flap = between(rng, 12, 30);
      return [
        ellipse(-20, 82, 17, 7, filled(ORANGE, c, 2)),
        ellipse(20, 82, 17, 7, filled(ORANGE, c, 2)),
        rotated(flap, -48, 10, ellipse(-48, 22, 12, 36, filled(c.accent, c))),
        rotated(-flap, 48, 10, ellipse(48, 22, 12, 36, filled(c.accent, c))),
        ellipse(0, 10, 50, 72, filled(c.body, c)),
        ellipse(0, 28, 34, 52, `fill="${c.light}"`),
        eye(-15, -36, 6, c),
        eye(15, -36, 6, c),
        polygon(
          [
            [-9, -24],
            [9, -24],
            [0, -10],
          ],
          filled(ORANGE, c, 2),
        ),
      ].join('');
    },
  }),
  balloon: placed(0.75, 15, {
    word: 'balloon',
    description: 'a shiny party balloon with a knot and a dangling string',
    hue: [0, 360],
    anchors: { body: { cx: 0, cy: -20, rx: 54, ry: 64 }, top: [0, -84], bottom: [0, 52] },
    draw(c, rng) {
      return [
        wave([0, 50], 90 + between(rng, -10, 10), 46, 6, between(rng, 0, 6), stroke(c, 2)),
        polygon(
          [
            [-8, 52],
            [8, 52],
            [0, 42],
          ],
          filled(c.accent, c, 2),
        ),
        ellipse(0, -20, 54, 64, filled(c.body, c)),
        rotated(25, -24, -50, ellipse(-24, -50, 9, 18, `fill="${c.light}" opacity="0.8"`)),
      ].join('');
    },
  }),
};

/** Traits take their size from the body they attach to, so each stays a similar share of its base. */
const scaleOf = (a: Anchors) => (a.body.rx + a.body.ry) / 110;
const SIDES = [-1, 1] as const;
const at = ([x, y]: Pt) => `${fmt(x)},${fmt(y)}`;
const CRAB = 'hsl(8,75%,50%)';
const CRAB_DARK = 'hsl(8,60%,22%)';
const HORN = 'hsl(30,45%,38%)';

/** Unit shapes for `framed`: pointing right (mirrored for the left side) and up (y < 0). */
const WING: (string | Pt)[] = [
  'M',
  [0, 0.15],
  'C',
  [0.1, -0.7],
  [0.5, -1],
  [1, -1],
  'Q',
  [0.97, -0.75],
  [0.84, -0.72],
  'Q',
  [0.84, -0.5],
  [0.66, -0.5],
  'Q',
  [0.66, -0.28],
  [0.46, -0.28],
  'Q',
  [0.42, -0.05],
  [0.2, 0.05],
  'Z',
];
const QUILLS: (string | Pt)[] = [
  'M',
  [0.25, -0.45],
  'L',
  [0.84, -0.72],
  'M',
  [0.22, -0.25],
  'L',
  [0.66, -0.5],
  'M',
  [0.18, -0.08],
  'L',
  [0.46, -0.28],
];
const UPPER_WING: (string | Pt)[] = [
  'M',
  [0, 0],
  'C',
  [0.1, -1.1],
  [1.1, -1.25],
  [1, -0.45],
  'C',
  [0.95, -0.1],
  [0.45, 0.02],
  [0, 0],
  'Z',
];
const LOWER_WING: (string | Pt)[] = [
  'M',
  [0, 0],
  'C',
  [0.6, 0.02],
  [0.85, 0.4],
  [0.65, 0.68],
  'C',
  [0.45, 0.9],
  [0.08, 0.55],
  [0, 0],
  'Z',
];
const CLAW: (string | Pt)[] = [
  'M',
  [-0.35, 0],
  'C',
  [-0.65, -0.5],
  [-0.45, -1.05],
  [0.05, -1.15],
  'C',
  [-0.1, -0.85],
  [-0.05, -0.62],
  [0.08, -0.55],
  'L',
  [0.32, -0.92],
  'C',
  [0.6, -0.6],
  [0.5, -0.15],
  [0.35, 0],
  'Z',
];
const ANTLER: (string | Pt)[] = [
  'M',
  [0, 0.15],
  'Q',
  [0.2, -0.5],
  [0.75, -0.95],
  'M',
  [0.2, -0.3],
  'L',
  [-0.02, -0.75],
  'M',
  [0.48, -0.7],
  'L',
  [0.4, -1.15],
  'M',
  [0.75, -0.95],
  'L',
  [1, -0.88],
];

export const TRAITS: Record<string, Trait> = {
  cactus: {
    source: 'cactus',
    describe: (base) => `a ${base} whose body bristles with cactus spines`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const reach = 18 * scaleOf(a) + 4;
      const n = 22;
      const spikes = Array.from({ length: n }, (_, i) => {
        const deg = (360 / n) * i + between(rng, -5, 5);
        const from = onEllipse(rx * 0.92, ry * 0.92, deg, cx, cy);
        const to = onEllipse(rx + reach, ry + reach, deg, cx, cy);
        return line(from, to, 'stroke="hsl(110,45%,25%)" stroke-width="3"');
      });
      const dots = Array.from({ length: 10 }, () => {
        const [x, y] = onEllipse(
          rx * between(rng, 0.2, 0.75),
          ry * between(rng, 0.2, 0.75),
          between(rng, 0, 360),
          cx,
          cy,
        );
        return circle(x, y, 2.5, 'fill="hsl(110,45%,25%)"');
      });
      return { behind: spikes.join(''), front: dots.join('') };
    },
  },
  octopus: {
    source: 'octopus',
    describe: (base) => `a ${base} with octopus tentacles hanging from its underside`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const s = scaleOf(a);
      // Drawn in front and hanging below the body, so that no stem or leg hides them.
      const arms = [-1, -0.5, 0, 0.5, 1].map((f) => {
        const from: Pt = [cx + f * rx * 0.8, cy + ry * 0.8 * Math.sqrt(1 - (f * 0.8) ** 2)];
        const args = [from, 90 + f * 50, between(rng, 42, 56) * s, 7, between(rng, 0, 6)] as const;
        return (
          wave(...args, `stroke="hsl(300,40%,22%)" stroke-width="${fmt(13 * s)}"`) +
          wave(...args, `stroke="hsl(300,45%,52%)" stroke-width="${fmt(8 * s)}"`)
        );
      });
      return { behind: '', front: arms.join('') };
    },
  },
  candle: {
    source: 'candle',
    describe: (base) => `a ${base} with lit candles standing on top`,
    draw(a, _c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      // Long sticks drawn behind, so each candle seems planted in the body whatever its curve.
      const candles = [-1, 0, 1].map((k) => {
        const x = tx + k * 22 * s;
        const top = ty - between(rng, 14, 24) * s;
        const h = between(rng, 24, 34) * s;
        const flame = (w: number, tip: number, fill: string) =>
          path(
            `M${fmt(x)},${fmt(top - 2 - tip)} Q${fmt(x + w)},${fmt(top - 10)} ${fmt(x)},${fmt(top - 2)} Q${fmt(x - w)},${fmt(top - 10)} ${fmt(x)},${fmt(top - 2 - tip)} Z`,
            fill,
          );
        return (
          `<rect x="${fmt(x - 5 * s)}" y="${fmt(top)}" width="${fmt(10 * s)}" height="${fmt(ty + 30 - top)}" fill="hsl(50,30%,94%)" stroke="hsl(40,20%,40%)" stroke-width="1.5"/>` +
          flame(11 * s, h, 'fill="hsl(35,95%,55%)" stroke="hsl(15,90%,45%)" stroke-width="2"') +
          flame(5 * s, h * 0.55, 'fill="hsl(55,100%,75%)"')
        );
      });
      return { behind: candles.join(''), front: '' };
    },
  },
  rabbit: {
    source: 'rabbit',
    describe: (base) => `a ${base} with a pair of long rabbit ears`,
    draw(a, c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      const len = between(rng, 48, 58) * s;
      const ears = SIDES.map((side) => {
        const x = tx + side * 15 * s;
        const root = ty + 14 * s;
        const ear =
          ellipse(x, root - len / 2, 12 * s, len / 2, filled(c.body, c)) +
          ellipse(x, root - len / 2 - 4, 6 * s, len / 2 - 12 * s, 'fill="hsl(345,70%,80%)"');
        return rotated(side * between(rng, 8, 22), x, root, ear);
      });
      return { behind: ears.join(''), front: '' };
    },
  },
  unicorn: {
    source: 'unicorn',
    describe: (base) => `a ${base} with a spiralled unicorn horn on top`,
    draw(a, _c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      const [h, w, base] = [between(rng, 58, 68) * s, 14 * s, ty + 6 * s];
      const horn = polygon(
        [
          [tx - w, base],
          [tx + w, base],
          [tx, base - h],
        ],
        'fill="hsl(285,45%,93%)" stroke="hsl(285,30%,35%)" stroke-width="2.5"',
      );
      const grooves = [0.22, 0.45, 0.66].map((t) => {
        const [y, hw] = [base - h * t, w * (1 - t)];
        return line(
          [tx - hw, y + 3 * s],
          [tx + hw, y - 3 * s],
          'stroke="hsl(330,60%,65%)" stroke-width="2.5"',
        );
      });
      return {
        behind: '',
        front: rotated(between(rng, -12, 12), tx, base, horn + grooves.join('')),
      };
    },
  },
  deer: {
    source: 'deer',
    describe: (base) => `a ${base} with branching deer antlers`,
    draw(a, c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      const antlers = SIDES.map((side) => {
        const root: Pt = [tx + side * 14 * s, ty + 8 * s];
        const [sx, sy] = [side * between(rng, 42, 50) * s, between(rng, 50, 60) * s];
        const cap = 'fill="none" stroke-linecap="round"';
        return (
          framed(ANTLER, root, sx, sy, `${cap} stroke="${c.dark}" stroke-width="${fmt(11 * s)}"`) +
          framed(ANTLER, root, sx, sy, `${cap} stroke="${HORN}" stroke-width="${fmt(7 * s)}"`)
        );
      });
      return { behind: antlers.join(''), front: '' };
    },
  },
  seedling: {
    source: 'seedling',
    describe: (base) => `a ${base} with a green sprout of leaves growing from its top`,
    draw(a, _c, rng) {
      const [tx, ty] = a.top;
      // Slender bases would otherwise get a sprout too small to see.
      const s = Math.max(scaleOf(a), 0.9);
      const tip: Pt = [tx + 4 * s, ty - between(rng, 30, 40) * s];
      const leaf = (angle: number, len: number) =>
        rotated(
          angle,
          tip[0],
          tip[1],
          ellipse(
            tip[0] + len / 2,
            tip[1],
            len / 2,
            len * 0.24,
            `fill="hsl(105,55%,45%)" stroke="hsl(110,50%,22%)" stroke-width="2.5"`,
          ) +
            line(
              tip,
              [tip[0] + len * 0.85, tip[1]],
              'stroke="hsl(110,50%,22%)" stroke-width="1.5"',
            ),
        );
      return {
        behind:
          path(
            `M${fmt(tx)},${fmt(ty + 12 * s)} Q${fmt(tx + 10 * s)},${fmt((ty + tip[1]) / 2)} ${at(tip)}`,
            `fill="none" stroke="hsl(110,50%,30%)" stroke-width="${fmt(6 * s)}"`,
          ) +
          leaf(between(rng, -165, -140), 38 * s) +
          leaf(between(rng, -45, -20), 34 * s),
        front: '',
      };
    },
  },
  beetle: {
    source: 'beetle',
    describe: (base) => `a ${base} with two long beetle antennae`,
    draw(a, _c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      const antennae = SIDES.map((side) => {
        const root: Pt = [tx + side * 10 * s, ty + 8 * s];
        const tip: Pt = [root[0] + side * between(rng, 26, 36) * s, ty - between(rng, 52, 62) * s];
        const bend: Pt = [root[0] + side * 2 * s, ty - 40 * s];
        return (
          path(
            `M${at(root)} Q${at(bend)} ${at(tip)}`,
            `fill="none" stroke="hsl(0,0%,12%)" stroke-width="${fmt(5.5 * s)}" stroke-linecap="round"`,
          ) + circle(tip[0], tip[1], 8 * s, 'fill="hsl(0,0%,12%)"')
        );
      });
      return { behind: antennae.join(''), front: '' };
    },
  },
  helicopter: {
    source: 'helicopter',
    describe: (base) => `a ${base} with a helicopter rotor on top`,
    draw(a, c, rng) {
      const [tx, ty] = a.top;
      const s = scaleOf(a);
      const [hx, hy] = [tx, ty - 22 * s];
      const len = a.body.rx * 0.8 + 18;
      const grey = filled('hsl(210,8%,40%)', c, 2.5);
      const blades =
        ellipse(hx - len / 2, hy, len / 2, 5.5 * s, grey) +
        ellipse(hx + len / 2, hy, len / 2, 5.5 * s, grey);
      return {
        behind:
          `<rect x="${fmt(hx - 4 * s)}" y="${fmt(hy)}" width="${fmt(8 * s)}" height="${fmt(34 * s)}" ${filled('hsl(210,8%,55%)', c, 2)}/>` +
          rotated(between(rng, -8, 8), hx, hy, blades) +
          circle(hx, hy, 8 * s, filled('hsl(210,8%,55%)', c, 2.5)),
        front: '',
      };
    },
  },
  bird: {
    source: 'bird',
    describe: (base) => `a ${base} with a pair of white feathered bird wings`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const lift = between(rng, 0.9, 1.05) * (ry * 0.8 + 30);
      const wings = SIDES.map((side) => {
        const root: Pt = [cx + side * rx * 0.25, cy - ry * 0.45];
        // Capped so that wide bases keep their wingtips inside the drawing box.
        const span = side * Math.min(rx * 0.7 + 30, 100 - Math.abs(root[0]));
        const ink = 'stroke="hsl(30,15%,30%)" stroke-width="2.5"';
        return (
          framed(WING, root, span, lift, `fill="hsl(40,30%,97%)" ${ink}`) +
          framed(QUILLS, root, span, lift, `fill="none" ${ink}`)
        );
      });
      return { behind: wings.join(''), front: '' };
    },
  },
  butterfly: {
    source: 'butterfly',
    describe: (base) => `a ${base} with a pair of bright butterfly wings`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const hue = between(rng, 0, 360);
      const [span, h] = [rx * 0.55 + 42, ry * 0.55 + 35];
      const ink = 'stroke="hsl(0,0%,12%)" stroke-width="3.5"';
      const wings = SIDES.map((side) => {
        const root: Pt = [cx + side * rx * 0.2, cy - ry * 0.1];
        const spot = (u: number, v: number, r: number) =>
          circle(root[0] + side * span * u, root[1] + h * v, r, 'fill="hsl(0,0%,98%)"');
        return (
          framed(
            LOWER_WING,
            root,
            side * span * 0.85,
            h * 0.9,
            `fill="${hsl(hue + 30, 85, 50)}" ${ink}`,
          ) +
          framed(UPPER_WING, root, side * span, h, `fill="${hsl(hue, 85, 55)}" ${ink}`) +
          spot(0.78, -0.62, 7) +
          spot(0.55, -0.85, 5) +
          spot(0.45, 0.45, 5)
        );
      });
      return { behind: wings.join(''), front: '' };
    },
  },
  crab: {
    source: 'crab',
    describe: (base) => `a ${base} with two red crab claws raised at its sides`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const s = scaleOf(a);
      const claws = SIDES.map((side) => {
        const x = (dx: number) => Math.max(-96, Math.min(96, cx + side * dx));
        const root: Pt = [x(rx * 0.6), cy];
        const elbow: Pt = [x(rx + 12 * s), cy - ry * 0.1];
        const hand: Pt = [x(rx + 4 * s), cy - ry * 0.35 - 20 * s];
        const size = between(rng, 40, 46) * s;
        return (
          `<path d="M${at(root)} L${at(elbow)} L${at(hand)}" fill="none" stroke="${CRAB_DARK}" stroke-width="${fmt(13 * s)}" stroke-linejoin="round"/>` +
          `<path d="M${at(root)} L${at(elbow)} L${at(hand)}" fill="none" stroke="${CRAB}" stroke-width="${fmt(8 * s)}" stroke-linejoin="round"/>` +
          rotated(
            side * 15,
            hand[0],
            hand[1],
            framed(
              CLAW,
              hand,
              side * size,
              size,
              `fill="${CRAB}" stroke="${CRAB_DARK}" stroke-width="3"`,
            ),
          )
        );
      });
      return { behind: claws.join(''), front: '' };
    },
  },
  spider: {
    source: 'spider',
    describe: (base) => `a ${base} standing on eight jointed spider legs`,
    draw(a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const s = scaleOf(a);
      const legs = SIDES.flatMap((side) =>
        [0, 1, 2, 3].map((i) => {
          // Knees fan out around the body like a spider's, each leg then drops to its foot.
          const deg = -45 + i * 28 + between(rng, -4, 4);
          const dir = (d: number) => (side === 1 ? d : 180 - d);
          const root = onEllipse(rx * 0.6, ry * 0.6, dir(deg), cx, cy);
          const knee = onEllipse(rx + 28 * s, ry + 18 * s, dir(deg), cx, cy);
          const foot: Pt = [knee[0] + side * (8 + 5 * (3 - i)) * s, knee[1] + (40 - 5 * i) * s];
          return `<path d="M${at(root)} L${at(knee)} L${at(foot)}" fill="none" stroke="hsl(20,15%,12%)" stroke-width="${fmt(6 * s)}" stroke-linejoin="miter" stroke-linecap="round"/>`;
        }),
      );
      return { behind: legs.join(''), front: '' };
    },
  },
  wagon: {
    source: 'wagon',
    describe: (base) => `a ${base} rolling on two spoked wagon wheels`,
    draw(a, c, rng) {
      const [bx, by] = a.bottom;
      const s = scaleOf(a);
      const [r, dx, y] = [18 * s, a.body.rx * 0.55, by + 8 * s];
      const spin = between(rng, 0, 60);
      const wheels = SIDES.map((side) => {
        const x = bx + side * dx;
        const spokes = [0, 60, 120].map((d) =>
          line(
            onEllipse(r, r, d + spin, x, y),
            onEllipse(r, r, d + spin + 180, x, y),
            stroke(c, 2.5),
          ),
        );
        return (
          circle(
            x,
            y,
            r,
            `fill="hsl(30,40%,60%)" stroke="${c.dark}" stroke-width="${fmt(6 * s)}"`,
          ) +
          spokes.join('') +
          circle(x, y, 4 * s, filled('hsl(30,40%,35%)', c, 2))
        );
      });
      return { behind: line([bx - dx, y], [bx + dx, y], stroke(c, 5)), front: wheels.join('') };
    },
  },
};

export const PAIRS: readonly PairSpec[] = [
  { base: 'fish', trait: 'cactus', novel: 'spinnafin' },
  { base: 'mushroom', trait: 'octopus', novel: 'octoshroom' },
  { base: 'teapot', trait: 'candle', novel: 'wickapot' },
  { base: 'bird', trait: 'rabbit', novel: 'rabbiro' },
  { base: 'turtle', trait: 'helicopter', novel: 'rotortle' },
  { base: 'snail', trait: 'butterfly', novel: 'flutternail' },
  { base: 'house', trait: 'spider', novel: 'spidouse' },
  { base: 'car', trait: 'bird', novel: 'wingar' },
  { base: 'boat', trait: 'wagon', novel: 'wheelskiff' },
  { base: 'lamp', trait: 'deer', novel: 'deerlume' },
  { base: 'umbrella', trait: 'crab', novel: 'clawbrella' },
  { base: 'bell', trait: 'unicorn', novel: 'unichime' },
  { base: 'apple', trait: 'bird', novel: 'flappit' },
  { base: 'owl', trait: 'octopus', novel: 'octhoot' },
  { base: 'frog', trait: 'unicorn', novel: 'unicroak' },
  { base: 'whale', trait: 'helicopter', novel: 'whelicopter' },
  { base: 'rocket', trait: 'seedling', novel: 'sproutket' },
  { base: 'bottle', trait: 'crab', novel: 'clawflask' },
  { base: 'clock', trait: 'deer', novel: 'antlock' },
  { base: 'cupcake', trait: 'spider', novel: 'spidcake' },
  { base: 'mug', trait: 'cactus', novel: 'cactankard' },
  { base: 'pear', trait: 'beetle', novel: 'antennear' },
  { base: 'penguin', trait: 'candle', novel: 'flamenguin' },
  { base: 'balloon', trait: 'rabbit', novel: 'bunloon' },
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
