/**
 * Checks and keys for the short texts people type into linkboard (model names, organisations,
 * model identifiers), so that what one account registers cannot be passed off as another's.
 */

import unhomoglyph from 'unhomoglyph';

/** `U+0000`, for messages: the code point, since the character itself may not print. */
const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;

// C0, DEL and C1: PostgreSQL cannot store NUL in text at all, and the others only garble a one-line
// field (or an HTTP header, for a model identifier or key).
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);

// What renders as nothing or reorders what follows: format characters (zero-width space and
// joiners, bidi embeddings, overrides and isolates, soft hyphen, word joiner, BOM, tags), line and
// paragraph separators, and the fillers and selectors that render blank (the combining grapheme
// joiner, Hangul fillers, Khmer inherent vowels, Mongolian and variation selectors, the Braille
// blank).
const FORMAT = /^[\p{Cf}\p{Zl}\p{Zp}]$/u;
const BLANK = new Set([0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x2800, 0x3164, 0xffa0]);
const isInvisible = (char: string, code: number) =>
  FORMAT.test(char) ||
  BLANK.has(code) ||
  (code >= 0x180b && code <= 0x180f) ||
  (code >= 0xfe00 && code <= 0xfe0f) ||
  (code >= 0xe0100 && code <= 0xe01ef);

function firstWhere(value: string, test: (char: string, code: number) => boolean): string | null {
  for (const char of value) if (test(char, char.codePointAt(0) as number)) return codePoint(char);
  return null;
}

const withoutInvisible = (value: string) =>
  [...value].filter((char) => !isInvisible(char, char.codePointAt(0) as number)).join('');

/** The first control character in `value` (`U+0000`), or null. */
export function controlCharacterIn(value: string): string | null {
  return firstWhere(value, (_char, code) => isControl(code));
}

/** The first invisible or bidirectional-control character in `value` (`U+200B`), or null. */
export function invisibleCharacterIn(value: string): string | null {
  return firstWhere(value, isInvisible);
}

/**
 * Why `value` cannot be a one-line name: a control character, or (for names shown to others) an
 * invisible or bidi character that would make it look like another. Null when it is fine.
 */
export function nameProblem(value: string, options: { visible?: boolean } = {}): string | null {
  const control = controlCharacterIn(value);
  if (control) return `holds a control character (${control})`;
  if (options.visible) {
    const invisible = invisibleCharacterIn(value);
    if (invisible)
      return `holds an invisible or text-direction character (${invisible}); type the name with visible characters only`;
  }
  return null;
}

/**
 * The TR39 skeleton of `text` (Unicode Technical Standard #39, section 4): NFD, every character
 * replaced by its prototype in Unicode's confusables data (`confusables.txt`, as the `unhomoglyph`
 * package ships it: no download at run time), NFD again. Two strings with one skeleton are
 * confusable: `Llama` and `LIama` (a capital i), `m` and `rn`, Cyrillic `а` and Latin `a`. It keeps
 * case (`A` and `a` differ) and accents, and it is not for showing: `m` becomes `rn`.
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD')).normalize('NFD');
}

/**
 * Dashes and minus signs drawn like a hyphen (hyphen, non-breaking hyphen, figure, en and em
 * dashes, horizontal bar, minus, hyphen bullet, Armenian, Hebrew and Mongolian hyphens, the long
 * dashes): one `-` in a key, whatever TR39 makes of each (it keeps the em dash apart).
 */
const DASHES =
  /[\u02D7\u058A\u05BE\u1806\u2010-\u2015\u2043\u2212\u2796\u2E3A\u2E3B\uFE58\uFE63\uFF0D]/gu;

/** Dashes as `-`, every run of white space as one space, none at either end. */
const foldSpacing = (text: string) => text.replace(DASHES, '-').replace(/\s+/gu, ' ').trim();

/**
 * Small capitals (`ᴀ`, `ʙ`, `ᴍ`) by the Latin letter they are, and so is every character whose
 * skeleton is one (Cyrillic `в`, `к`, `м`, `н`, `т`, Greek `κ`, `τ`, Cherokee small letters): TR39
 * keeps them apart from both cases of the letter, but a key that ignores case must not, or `ʟʟᴀᴍᴀ`
 * would stand beside `LLAMA`. Built on first use from the same confusables data, so the two agree
 * (and a bundle that uses only the name checks can leave the data out).
 */
let smallCapitals: ReadonlyMap<string, string> | undefined;
const smallCapitalsMap = (): ReadonlyMap<string, string> => {
  if (smallCapitals) return smallCapitals;
  const map = new Map<string, string>();
  // a to z; Unicode has no small capital X.
  const letters = 'abcdefghijklmnopqrstuvwyz';
  const capitals =
    '\u1D00\u0299\u1D04\u1D05\u1D07\uA730\u0262\u029C\u026A\u1D0A\u1D0B\u029F\u1D0D\u0274\u1D0F\u1D18\uA7AF\u0280\uA731\u1D1B\u1D1C\u1D20\u1D21\u028F\u1D22';
  [...capitals].forEach((capital, i) => {
    const letter = letters[i] as string;
    map.set(capital, letter);
    const prototype = skeleton(capital);
    // Only a prototype of its own (ĸ for ᴋ, ʍ for ᴍ): one that is a Latin letter already (ᴏ is o)
    // needs nothing, and mapping it would send every such letter elsewhere.
    if ([...prototype].length === 1 && (prototype.codePointAt(0) as number) > 0x7f)
      map.set(prototype, letter);
  });
  smallCapitals = map;
  return map;
};

const MARKS = /\p{M}/gu;

/**
 * The key two model names are compared by: equal keys look alike, so they cannot belong to two
 * accounts. Built on the TR39 skeleton: NFKC, invisible characters removed, dashes folded to `-`
 * and white space runs to one space; the skeleton (before case folding, so that a Greek `Η`
 * counts as the `H` it is drawn as, not the `η` it lower-cases to); small capitals as letters;
 * accents dropped; case folded (upper- then lower-casing folds ß to ss as well); the skeleton
 * again. Since case is ignored and TR39 draws a capital `I` like a small `l`, `i` joins them:
 * `i`, `I`, `l`, `L`, `1` and `|` are one letter in a key, and so are `m`, `M` and `rn` (`RN`
 * too). Not shown to anyone: the name is kept as typed.
 */
export function modelNameKey(name: string): string {
  // One pass can leave something a second pass changes (ẞ lower-cases to ß, which upper-cases to
  // SS): repeat until the key is its own key, so equal keys stay equal however they were reached.
  let key = keyOnce(name);
  for (let i = 0; i < 4; i++) {
    const again = keyOnce(key);
    if (again === key) break;
    key = again;
  }
  return key;
}

const asDrawn = (text: string) =>
  Array.from(skeleton(text), (char) => smallCapitalsMap().get(char) ?? char)
    .join('')
    .replace(MARKS, '');

function keyOnce(name: string): string {
  const text = foldSpacing(withoutInvisible(name.normalize('NFKC')));
  const folded = asDrawn(text).toUpperCase().toLowerCase();
  return foldSpacing(asDrawn(folded).replace(/i/g, 'l').normalize('NFKC'));
}
