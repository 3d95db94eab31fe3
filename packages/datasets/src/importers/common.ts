import type { z } from 'zod';

export interface ImportOptions {
  /** The folder image paths are relative to (default: the records file's folder). */
  images?: string;
  name?: string;
  version?: string;
  /**
   * imagenet100 only: the test samples kept per class, the first ones in file order (default 50,
   * as the official evaluation; 0 keeps them all).
   */
  queriesPerClass?: number;
  onProgress?: (done: number, total: number) => void;
}

/** "field positive_list: expected array, received string" for each problem of a record. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'record';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}
