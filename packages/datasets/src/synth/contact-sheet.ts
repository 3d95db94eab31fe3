import sharp, { type OverlayOptions } from 'sharp';

export interface SheetRow {
  /** Shown at the left of the row, e.g. "spinnafin  ·  fish". */
  title: string;
  /** Images shown in the row, with a caption under each. */
  cells: { bytes: Uint8Array; caption: string }[];
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grid of thumbnails with captions, as a PNG: what a person looks at to judge a generated set.
 * Text is drawn by librsvg with the system's DejaVu fonts, so nothing is fetched.
 */
export async function contactSheet(
  rows: SheetRow[],
  options: { thumb?: number; title?: string } = {},
): Promise<Buffer> {
  const thumb = options.thumb ?? 112;
  const pad = 8;
  const caption = 16;
  const titleWidth = 170;
  const header = options.title ? 34 : 0;
  const columns = Math.max(...rows.map((r) => r.cells.length));
  const width = titleWidth + columns * (thumb + pad) + pad;
  const rowHeight = thumb + caption + pad;
  const height = header + rows.length * rowHeight + pad;
  const composites: OverlayOptions[] = [];
  const text: string[] = [];
  if (options.title) {
    text.push(
      `<text x="${pad}" y="23" font-family="DejaVu Sans" font-size="18" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`,
    );
  }
  for (const [r, row] of rows.entries()) {
    const top = header + pad + r * rowHeight;
    const [first, ...rest] = row.title.split('\n');
    text.push(
      `<text x="${pad}" y="${top + thumb / 2}" font-family="DejaVu Sans" font-size="14" font-weight="bold" fill="#222">${escapeXml(first ?? '')}</text>`,
    );
    for (const [i, line] of rest.entries()) {
      text.push(
        `<text x="${pad}" y="${top + thumb / 2 + 18 * (i + 1)}" font-family="DejaVu Sans" font-size="12" fill="#555">${escapeXml(line)}</text>`,
      );
    }
    for (const [c, cell] of row.cells.entries()) {
      const left = titleWidth + c * (thumb + pad);
      composites.push({
        input: await sharp(cell.bytes).resize(thumb, thumb).toBuffer(),
        left,
        top,
      });
      text.push(
        `<text x="${left + thumb / 2}" y="${top + thumb + 13}" text-anchor="middle" font-family="DejaVu Sans" font-size="11" fill="#333">${escapeXml(cell.caption)}</text>`,
      );
    }
  }
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: '#fafafa' } })
    .composite([...composites, { input: overlay, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
