import { SERIES_PALETTE } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { seriesColour } from '../../src/components/charts';

describe('seriesColour', () => {
  it('draws each palette colour through its slot’s CSS variable, the colour as its fallback', () => {
    expect(SERIES_PALETTE.map(seriesColour)).toEqual(
      SERIES_PALETTE.map((c, slot) => `var(--series-${slot}, ${c})`),
    );
    expect(seriesColour(SERIES_PALETTE[6].toLowerCase())).toBe(
      `var(--series-6, ${SERIES_PALETTE[6].toLowerCase()})`,
    );
  });

  it('draws a colour from outside the palette as given', () => {
    expect(seriesColour('#123456')).toBe('#123456');
  });
});
