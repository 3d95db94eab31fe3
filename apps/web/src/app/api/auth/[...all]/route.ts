import { controlCharacterInJson } from '@linkboard/core';
import { ApiError, BODY_LIMITS, capBody, errorReply } from '~/server/api-v1';
import { getAuth } from '~/server/auth';

/**
 * better-auth's routes, with better-auth's own protections: a POST that carries a cookie must come
 * from one of its trusted origins (the site's, ./auth.ts), and one without (signing in or up) from
 * a page that is not another site's. Their bodies are anonymous by design, so only their size is
 * held here, before better-auth reads them: a small JSON form's (`BODY_LIMITS.json`), refused at
 * once by its Content-Length, else read here up to the limit (better-auth would answer a body cut
 * off as its own 500).
 */
const handler = async (req: Request) => {
  let request = req;
  try {
    if (req.body) {
      const body = await capBody(req, BODY_LIMITS.json).arrayBuffer();
      // Core's one rule for strings from outside, on the forms better-auth would store as they
      // are (a name with a NUL reached PostgreSQL): 400 naming the field and the character.
      const refused = controlCharacterInJson(jsonOrNull(body));
      if (refused)
        return errorReply(
          400,
          'BAD_REQUEST',
          `field ${refused.path}: holds a control character (${refused.character})`,
        );
      request = new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body,
        signal: req.signal,
      });
    }
  } catch (error) {
    if (error instanceof ApiError) return errorReply(error.status, error.code, error.message);
    throw error;
  }
  return (await getAuth()).handler(request);
};

/** The body as JSON, or null for one that is not (better-auth answers that itself). */
function jsonOrNull(body: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
}

export { handler as GET, handler as POST };
