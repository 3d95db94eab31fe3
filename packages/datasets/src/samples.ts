import { fileURLToPath } from 'node:url';

/** The ISEKAI sample shipped with linkboard (3 pairs; see its NOTICE.md). */
export const ISEKAI_SAMPLE = {
  records: fileURLToPath(new URL('../samples/isekai-sample/ISEKAI-sample.json', import.meta.url)),
  images: fileURLToPath(new URL('../samples/isekai-sample/images', import.meta.url)),
};
