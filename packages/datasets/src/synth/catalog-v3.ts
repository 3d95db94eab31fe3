import { Prng } from '@linkboard/core';
import { type Anchors, BASES, type Colors, PAIRS, TRAITS } from './catalog';
import { between, circle, fmt, onEllipse, type Pt, polygon } from './svg';

/**
 * The traits of isekai-synth v3. v2's traits were borrowed objects in their own signature colours
 * (green spines, purple tentacles), always large and in the same place, so pixel statistics told
 * the classes apart and the names spelled the trait. v3's traits are drawn only in the base's own
 * palette, vary in size and position from image to image, and come in four families: add-ons,
 * changes of shape, textures and counts. The familiar side carries other traits as hard negatives
 * (see render-v3.ts), so only the pair's own trait separates the classes.
 */

export type TraitFamily = 'add-on' | 'shape' | 'texture' | 'count';

export interface TraitV3 {
  key: string;
  family: TraitFamily;
  /** Words that name the trait: nonce names must stay clear of them. */
  words: readonly string[];
  /** The start of a descriptive name, e.g. "stripe" for a "stripefish"-like blend. */
  stem: string;
  /** "a fish with a striped patch" */
  describe(base: string): string;
  /**
   * The object with the trait: `object` is the base (possibly already carrying other traits) as
   * drawn in the renderer's local 200×200 box; `id` keeps SVG ids of one image apart.
   */
  apply(object: string, a: Anchors, c: Colors, rng: Prng, id: string): string;
}

/**
 * Every trait must change at least this share of the base object's area (pixels that differ
 * between the object drawn with and without the trait, over the pixels of the plain object). At
 * 10% of an object that spans 60–85% of a 256–384 px image, the smallest trait is still some
 * 1,500 pixels, about a 40 px square: plainly visible in full size and on a 112 px contact-sheet
 * thumbnail, yet small against the object, so it does not dominate a pixel histogram the way v2's
 * traits did. Measured by `traitShare` (measure.ts) and held by the tests.
 */
export const MIN_TRAIT_SHARE = 0.1;

const dark = (c: Colors, w = 3) => `stroke="${c.dark}" stroke-width="${fmt(w)}"`;
const path = (d: string, attrs: string) => `<path d="${d}" stroke-linejoin="round" ${attrs}/>`;
const at = ([x, y]: Pt) => `${fmt(x)},${fmt(y)}`;
const scaleOf = (a: Anchors) => (a.body.rx + a.body.ry) / 110;
/** A point on the body ellipse, `r` times its radii out from its centre. */
const onBody = (a: Anchors, deg: number, r = 1): Pt =>
  onEllipse(a.body.rx * r, a.body.ry * r, deg, a.body.cx, a.body.cy);
/** Scales `inner` by `k` about (x, y). */
const scaledAbout = (k: number, x: number, y: number, inner: string, sx = k, sy = k) =>
  `<g transform="translate(${fmt(x)} ${fmt(y)}) scale(${fmt(sx)} ${fmt(sy)}) translate(${fmt(-x)} ${fmt(-y)})">${inner}</g>`;

/**
 * A texture laid over a round patch of the object, at a random place and size, and kept to the
 * object's own silhouette: the mask is the object itself turned white, so the pattern follows
 * whatever shape the base has.
 */
function texture(object: string, a: Anchors, rng: Prng, id: string, pattern: string): string {
  const { cx, cy, rx, ry } = a.body;
  const [px, py] = onEllipse(
    rx * between(rng, 0, 0.45),
    ry * between(rng, 0, 0.45),
    between(rng, 0, 360),
    cx,
    cy,
  );
  const pr = between(rng, 0.85, 1.2) * Math.max(rx, ry);
  return (
    `<defs><filter id="${id}w"><feColorMatrix type="matrix" values="0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 0 1 0"/></filter>` +
    `<mask id="${id}m" maskUnits="userSpaceOnUse" x="-300" y="-300" width="600" height="600"><g filter="url(#${id}w)">${object}</g></mask>` +
    `<clipPath id="${id}c">${circle(px, py, pr, '')}</clipPath></defs>` +
    `${object}<g mask="url(#${id}m)"><g clip-path="url(#${id}c)">${pattern}</g></g>`
  );
}

/**
 * Dark on light or light on dark, chosen per image, so the pattern is never one fixed colour; the
 * outline in the other shade keeps it visible on any part of the object (light dots on a clock's
 * light face would vanish otherwise).
 */
const ink = (c: Colors, rng: Prng) => {
  const [fill, edge] = rng.nextInt(2) === 0 ? [c.dark, c.light] : [c.light, c.dark];
  return `fill="${fill}" stroke="${edge}" stroke-width="2"`;
};

export const TRAITS_V3: Record<string, TraitV3> = {
  horns: {
    key: 'horns',
    family: 'add-on',
    words: ['horn', 'horns', 'horned'],
    stem: 'horn',
    describe: (base) => `a ${base} with a pair of curved horns`,
    apply(object, a, c, rng) {
      const s = scaleOf(a);
      const centre = -90 + between(rng, -40, 40);
      const spread = between(rng, 18, 34);
      const len = between(rng, 56, 72) * s;
      const horns = [-1, 1].map((side) => {
        const deg = centre + side * spread;
        const root = onBody(a, deg, 0.85);
        const rad = (deg * Math.PI) / 180;
        const [ox, oy] = [Math.cos(rad), Math.sin(rad)];
        const [nx, ny] = [-oy, ox];
        const w = len * 0.36;
        const tip: Pt = [
          root[0] + ox * len + nx * side * len * 0.35,
          root[1] + oy * len + ny * side * len * 0.35,
        ];
        const l: Pt = [root[0] - nx * w, root[1] - ny * w];
        const r: Pt = [root[0] + nx * w, root[1] + ny * w];
        const bend: Pt = [root[0] + ox * len * 0.7, root[1] + oy * len * 0.7];
        return path(
          `M${at(l)} Q${at(bend)} ${at(tip)} Q${at(bend)} ${at(r)} Z`,
          `fill="${c.light}" ${dark(c, 2.5)}`,
        );
      });
      // In front: a base drawn wider than its body ellipse (a house, a snail's shell) would hide
      // horns planted behind it.
      return object + horns.join('');
    },
  },
  crest: {
    key: 'crest',
    family: 'add-on',
    words: ['crest', 'ridge', 'sail'],
    stem: 'crest',
    describe: (base) => `a ${base} with a jagged crest along its back`,
    apply(object, a, c, rng) {
      const s = scaleOf(a);
      const centre = -90 + between(rng, -35, 35);
      const span = between(rng, 85, 125);
      const teeth = 3 + rng.nextInt(4);
      const h = between(rng, 32, 44) * s;
      const points: Pt[] = [];
      for (let i = 0; i <= teeth * 2; i++) {
        const deg = centre - span / 2 + (span * i) / (teeth * 2);
        const [x, y] = onBody(a, deg, 0.85);
        const rad = (deg * Math.PI) / 180;
        const out = i % 2 === 1 ? h + 0.15 * Math.max(a.body.rx, a.body.ry) : 0;
        points.push([x + Math.cos(rad) * out, y + Math.sin(rad) * out]);
      }
      // In front, for the reason the horns are.
      return object + polygon(points, `fill="${c.accent}" ${dark(c, 2.5)}`);
    },
  },
  tail: {
    key: 'tail',
    family: 'add-on',
    words: ['tail', 'tails', 'curl'],
    stem: 'tail',
    describe: (base) => `a ${base} with a long curling tail`,
    apply(object, a, c, rng) {
      const s = scaleOf(a);
      const side = rng.nextInt(2) === 0 ? 0 : 180;
      const deg = side + between(rng, -35, 35);
      const root = onBody(a, deg, 0.9);
      const len = between(rng, 62, 85) * s;
      const rad = (deg * Math.PI) / 180;
      const [ox, oy] = [Math.cos(rad), Math.sin(rad)];
      const turn = rng.nextInt(2) === 0 ? 1 : -1;
      const [nx, ny] = [-oy * turn, ox * turn];
      const mid: Pt = [
        root[0] + ox * len * 0.7 + nx * len * 0.4,
        root[1] + oy * len * 0.7 + ny * len * 0.4,
      ];
      const end: Pt = [root[0] + ox * len + nx * len * 0.05, root[1] + oy * len + ny * len * 0.05];
      const curl: Pt = [
        end[0] - nx * len * 0.3 - ox * len * 0.15,
        end[1] - ny * len * 0.3 - oy * len * 0.15,
      ];
      const d = `M${at(root)} Q${at(mid)} ${at(end)} Q${at([end[0] + ox * len * 0.2, end[1] + oy * len * 0.2])} ${at(curl)}`;
      const w = between(rng, 13, 17) * s;
      // In front, rooted at the body's edge, so that no shell or roof hides it.
      return (
        object +
        path(
          d,
          `fill="none" stroke="${c.dark}" stroke-width="${fmt(w + 5)}" stroke-linecap="round"`,
        ) +
        path(d, `fill="none" stroke="${c.body}" stroke-width="${fmt(w)}" stroke-linecap="round"`)
      );
    },
  },
  elongated: {
    key: 'elongated',
    family: 'shape',
    words: ['long', 'elongated', 'stretched', 'tall'],
    stem: 'long',
    describe: (base) => `a ${base} stretched out long and thin`,
    apply(object, a, _c, rng) {
      const k = between(rng, 1.25, 1.5);
      const thin = between(rng, 0.75, 0.88);
      const { cx, cy } = a.body;
      // Stretched along or across: the silhouette changes, not one fixed direction of it.
      return rng.nextInt(2) === 0
        ? scaledAbout(1, cx, cy, object, k, thin)
        : scaledAbout(1, cx, cy, object, thin, k);
    },
  },
  spiky: {
    key: 'spiky',
    family: 'shape',
    words: ['spike', 'spiky', 'pointed', 'point', 'star'],
    stem: 'spike',
    describe: (base) => `a ${base} whose outline rises into sharp points`,
    apply(object, a, c, rng) {
      const { rx, ry } = a.body;
      const centre = between(rng, 0, 360);
      const span = between(rng, 160, 280);
      const n = 5 + rng.nextInt(4);
      const len = between(rng, 0.5, 0.75) * Math.min(rx, ry) + 8;
      const points: Pt[] = [onBody(a, centre - span / 2, 0.8)];
      for (let i = 0; i < n; i++) {
        const tipDeg = centre - span / 2 + (span * (i + 0.5)) / n;
        const [x, y] = onBody(a, tipDeg, 1);
        const rad = (tipDeg * Math.PI) / 180;
        points.push([x + Math.cos(rad) * len, y + Math.sin(rad) * len]);
        points.push(onBody(a, centre - span / 2 + (span * (i + 1)) / n, 0.92));
      }
      points.push(onBody(a, centre + span / 2, 0.8));
      // In front, over the body's rim only: points hidden behind a wide base would change nothing.
      return object + polygon(points, `fill="${c.body}" ${dark(c)}`);
    },
  },
  stripes: {
    key: 'stripes',
    family: 'texture',
    words: ['stripe', 'stripes', 'striped', 'band'],
    stem: 'stripe',
    describe: (base) => `a ${base} with a striped patch on its body`,
    apply(object, a, c, rng, id) {
      const { cx, cy } = a.body;
      const w = between(rng, 7, 11) * scaleOf(a);
      const gap = w * between(rng, 1.1, 1.6);
      const colour = ink(c, rng);
      const bands = Array.from({ length: 30 }, (_, i) => {
        const x = -200 + i * (w + gap) + between(rng, 0, gap * 0.3);
        return `<rect x="${fmt(cx + x)}" y="${fmt(cy - 200)}" width="${fmt(w)}" height="400" ${colour}/>`;
      });
      const angle = between(rng, 0, 180);
      return texture(
        object,
        a,
        rng,
        id,
        `<g transform="rotate(${fmt(angle)} ${fmt(cx)} ${fmt(cy)})">${bands.join('')}</g>`,
      );
    },
  },
  dots: {
    key: 'dots',
    family: 'texture',
    words: ['dot', 'dots', 'dotted', 'spot', 'spots', 'polka'],
    stem: 'dot',
    describe: (base) => `a ${base} with a patch of polka dots`,
    apply(object, a, c, rng, id) {
      const { cx, cy } = a.body;
      const r = between(rng, 5.5, 8.5) * scaleOf(a);
      const step = r * between(rng, 2.4, 2.9);
      const colour = ink(c, rng);
      const [ox, oy] = [between(rng, 0, step), between(rng, 0, step)];
      const dots: string[] = [];
      for (let row = -8; row <= 8; row++)
        for (let col = -8; col <= 8; col++)
          dots.push(
            circle(
              cx + ox + col * step + (row % 2) * step * 0.5,
              cy + oy + row * step * 0.87,
              r,
              colour,
            ),
          );
      return texture(object, a, rng, id, dots.join(''));
    },
  },
  scales: {
    key: 'scales',
    family: 'texture',
    words: ['scale', 'scales', 'scaly', 'scaled'],
    stem: 'scale',
    describe: (base) => `a ${base} with a patch of overlapping scales`,
    apply(object, a, c, rng, id) {
      const { cx, cy } = a.body;
      const r = between(rng, 7, 11) * scaleOf(a);
      const cells: string[] = [];
      // Rows drawn top to bottom, each overlapping the one above: the look of scales.
      for (let row = -10; row <= 10; row++)
        for (let col = -10; col <= 10; col++)
          cells.push(
            circle(
              cx + col * r * 1.6 + (row % 2) * r * 0.8,
              cy + row * r * 0.8,
              r,
              `fill="${c.accent}" ${dark(c, 1.8)}`,
            ),
          );
      return texture(object, a, rng, id, cells.join(''));
    },
  },
  twin: {
    key: 'twin',
    family: 'count',
    words: ['twin', 'two', 'double', 'pair'],
    stem: 'twin',
    describe: (base) => `two ${base}s grown together, one behind the other`,
    apply(object, a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const k = between(rng, 0.75, 0.92);
      // Far enough out that the copy behind is not hidden by the object in front.
      const dx = (rng.nextInt(2) === 0 ? -1 : 1) * between(rng, 0.75, 1.05) * rx;
      const dy = between(rng, -0.55, 0) * ry;
      return (
        scaledAbout(k, cx, cy, `<g transform="translate(${fmt(dx)} ${fmt(dy)})">${object}</g>`) +
        object
      );
    },
  },
  stacked: {
    key: 'stacked',
    family: 'count',
    words: ['stack', 'stacked', 'tower', 'totem'],
    stem: 'stack',
    describe: (base) => `a ${base} with a second, smaller one growing out of its top`,
    apply(object, a, _c, rng) {
      const { cx, cy, rx, ry } = a.body;
      const k = between(rng, 0.5, 0.65);
      const [tx, ty] = a.top;
      const x = tx + between(rng, -0.35, 0.35) * rx;
      // The small copy's body sits on the big one's top, its lower half hidden behind it.
      const y = ty - k * ry * 0.6;
      return `<g transform="translate(${fmt(x)} ${fmt(y)}) scale(${fmt(k)}) translate(${fmt(-cx)} ${fmt(-cy)})">${object}</g>${object}`;
    },
  },
};

export interface PairSpecV3 {
  base: string;
  trait: string;
}

/**
 * v3's pairs: every base of the catalog once, the trait families taking turns so that each trait
 * is used two or three times.
 */
const ORDER = [
  'stripes',
  'horns',
  'twin',
  'elongated',
  'dots',
  'crest',
  'stacked',
  'spiky',
  'scales',
  'tail',
];
export const PAIRS_V3: readonly PairSpecV3[] = Object.keys(BASES).map((base, i) => ({
  base,
  trait: ORDER[i % ORDER.length] as string,
}));

export type NameMode = 'nonce' | 'descriptive';

/** Every word a nonce name must stay clear of: the bases', v2's and v3's trait words. */
export const CATALOG_WORDS = [
  ...Object.values(BASES).flatMap((b) => b.word.split(/\s+/)),
  ...Object.values(TRAITS).map((t) => t.source),
  ...Object.values(TRAITS_V3).flatMap((t) => [t.key, ...t.words]),
].map((w) => w.toLowerCase());

export const V2_NAMES = new Set(PAIRS.map((p) => p.novel));

/** Shares a run of `n` letters with `word`. */
export function sharesRun(a: string, b: string, n: number): boolean {
  for (let i = 0; i + n <= a.length; i++) if (b.includes(a.slice(i, i + n))) return true;
  return false;
}

/**
 * Whether `name` may name a novel concept: letters only, neither inside nor holding any catalog
 * word, and sharing no three letters in a row with its own pair's base and trait words, so that
 * it says nothing of what it names.
 */
export function isCleanNonce(name: string, base: string, trait: TraitV3): boolean {
  if (!/^[a-z]+$/.test(name) || V2_NAMES.has(name)) return false;
  for (const w of CATALOG_WORDS) if (name.includes(w) || w.includes(name)) return false;
  for (const w of [base, trait.key, ...trait.words]) if (sharesRun(name, w, 3)) return false;
  return true;
}

export const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
export const VOWELS = ['a', 'e', 'i', 'o', 'u'];
export const CODAS = ['', '', '', 'n', 'r', 'l', 'm'];

/**
 * Pronounceable non-words, one per pair, drawn from the seed: three consonant-vowel
 * syllables and an optional closing consonant ("komari", "velutin"). Redrawn until clean and
 * distinct from every other label.
 */
export function nonceNames(seed: number, pairs: readonly PairSpecV3[]): string[] {
  const rng = Prng.fromKey(`isekai-synth/v3-names|${seed}`);
  const taken = new Set(Object.values(BASES).map((b) => b.word));
  return pairs.map((pair) => {
    const trait = TRAITS_V3[pair.trait] as TraitV3;
    const base = (BASES[pair.base]?.word ?? pair.base).toLowerCase();
    for (;;) {
      let name = '';
      // Three syllables: two-syllable draws too often hit real words ("melon", "gato").
      for (let i = 0; i < 3; i++)
        name += ONSETS[rng.nextInt(ONSETS.length)] + (VOWELS[rng.nextInt(VOWELS.length)] as string);
      name += CODAS[rng.nextInt(CODAS.length)];
      if (!taken.has(name) && isCleanNonce(name, base, trait)) {
        taken.add(name);
        return name;
      }
    }
  });
}

/**
 * The descriptive alternative: the trait's stem on the base word less its first letter
 * ("stripeish" for a striped fish), which never holds the familiar label whole.
 */
export const descriptiveName = (pair: PairSpecV3) =>
  `${TRAITS_V3[pair.trait]?.stem ?? pair.trait}${(BASES[pair.base]?.word ?? pair.base).replace(/\s+/g, '').slice(1)}`;
