/**
 * WCAG 2 contrast between colours, for choosing a text colour that stays readable on a computed
 * background (the concepts heatmap) and for checking the site's palettes (its test). Formulas
 * from WCAG 2.2's definitions of relative luminance and contrast ratio.
 */

/** A colour's red, green and blue, each 0–255. */
export type Rgb = readonly [number, number, number];

/** `#rgb`, `#rrggbb` or `hsl(h, s%, l%)` (the forms the site writes) as RGB; throws on others. */
export function parseColour(text: string): Rgb {
  const colour = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(colour)?.[1];
  if (hex) {
    // #abc is #aabbcc.
    const digits = hex.length === 3 ? [...hex].map((d) => d + d).join('') : hex;
    return [0, 2, 4].map((at) => Number.parseInt(digits.slice(at, at + 2), 16)) as [
      number,
      number,
      number,
    ];
  }
  const hsl = /^hsl\(\s*([\d.]+)\s*,\s*([\d.]+)%\s*,\s*([\d.]+)%\s*\)$/.exec(colour);
  if (hsl) return hslToRgb(Number(hsl[1]), Number(hsl[2]) / 100, Number(hsl[3]) / 100);
  throw new Error(`not a colour this parser reads: ${text}`);
}

/** CSS's HSL to RGB (CSS Color 4's algorithm), rounded to whole channel values. */
function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const a = saturation * Math.min(lightness, 1 - lightness);
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** WCAG relative luminance: 0 for black, 1 for white. */
export function relativeLuminance(colour: string | Rgb): number {
  const rgb = typeof colour === 'string' ? parseColour(colour) : colour;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours, 1 to 21, whichever is lighter. */
export function contrastRatio(a: string | Rgb, b: string | Rgb): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Black or white, whichever contrasts more with the background. One of the two always reaches
 * 4.58:1 (the worst case, a background of luminance about 0.18, is as far from both), so text
 * in it passes WCAG AA on any background.
 */
export function textColourOn(background: string): '#000000' | '#ffffff' {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff')
    ? '#000000'
    : '#ffffff';
}
