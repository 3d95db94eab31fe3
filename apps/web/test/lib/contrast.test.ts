import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  parseColour,
  relativeLuminance,
  textColourOn,
} from '../../src/lib/contrast';

describe('parseColour', () => {
  it('reads #rgb, #rrggbb and hsl() as CSS does', () => {
    expect(parseColour('#fff')).toEqual([255, 255, 255]);
    expect(parseColour('#3B5BDB')).toEqual([59, 91, 219]);
    expect(parseColour('hsl(0, 100%, 50%)')).toEqual([255, 0, 0]);
    expect(parseColour('hsl(205, 85%, 61%)')).toEqual([71, 170, 240]);
    expect(parseColour('hsl(25, 85%, 45%)')).toEqual([212, 98, 17]);
  });

  it('refuses what it cannot read rather than guess', () => {
    expect(() => parseColour('var(--fg)')).toThrow(/not a colour/);
    expect(() => parseColour('#12345')).toThrow(/not a colour/);
  });
});

describe('contrastRatio', () => {
  it('gives WCAG’s figures: 21 for black on white, 1 for a colour on itself', () => {
    expect(relativeLuminance('#000000')).toBe(0);
    expect(relativeLuminance('#ffffff')).toBe(1);
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 10);
    expect(contrastRatio('#fff', '#000')).toBeCloseTo(21, 10);
    expect(contrastRatio('#3b5bdb', '#3b5bdb')).toBe(1);
  });

  it('puts #767676 just over AA on white and #777777 just under, as the reference tools do', () => {
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});

describe('textColourOn', () => {
  it('picks white on dark and black on light backgrounds', () => {
    expect(textColourOn('#1f3a5f')).toBe('#ffffff');
    expect(textColourOn('#fff9db')).toBe('#000000');
  });

  it('reaches AA (4.5:1) on every background of the concepts heatmap and a grid of others', () => {
    const backgrounds = [
      ...[25, 205].flatMap((hue) =>
        Array.from({ length: 56 }, (_, i) => `hsl(${hue}, 85%, ${40 + i}%)`),
      ),
      ...Array.from({ length: 16 ** 3 }, (_, i) => `#${i.toString(16).padStart(3, '0')}`),
    ];
    const worst = Math.min(...backgrounds.map((b) => contrastRatio(b, textColourOn(b))));
    expect(worst).toBeGreaterThanOrEqual(4.5);
  });
});
