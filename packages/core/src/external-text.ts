import { z } from 'zod';
import { controlCharacterIn, nameProblem } from './text';

/**
 * The one primitive every string from outside passes (tRPC inputs, the public API, the runner API,
 * the auth routes): PostgreSQL cannot store NUL, and other control characters garble a name, a log
 * line or an HTTP header, so they are refused with the character named, never passed on to fail as
 * a 500 deep inside a query.
 */

/** One line: no control character; with `visible`, no invisible or bidi character either. */
export const oneLine = (max: number, options: { visible?: boolean; trim?: boolean } = {}) =>
  (options.trim === false ? z.string() : z.string().trim()).max(max).superRefine((value, ctx) => {
    const problem = nameProblem(value, options);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Free text (an error message, a description): lines and tabs, no other control character. */
export const freeText = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const control = controlCharacterIn(value.replace(/[\t\n\r]/g, ''));
      if (control)
        ctx.addIssue({ code: 'custom', message: `holds a control character (${control})` });
    });

/**
 * The first string anywhere in a JSON value (an auth form, say) that holds a control character:
 * its path and the character, or null. For bodies handed whole to a library that would store them.
 */
export function controlCharacterInJson(
  value: unknown,
  path: string[] = [],
): { path: string; character: string } | null {
  if (typeof value === 'string') {
    const character = controlCharacterIn(value);
    return character ? { path: path.join('.') || '(body)', character } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = controlCharacterInJson(item, [...path, String(i)]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = controlCharacterInJson(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
