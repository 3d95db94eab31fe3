/** The prefix of better-auth's cookies: `better-auth.session_token`, `__Secure-better-auth.…`. */
const AUTH_COOKIE = 'better-auth.';

/**
 * Whether a request comes from an anonymous visitor: no API token or other authorization header,
 * and no better-auth cookie. Such a request identifies nobody, so there is no session to look up
 * (src/server/trpc.ts).
 */
export function anonymousVisitor(headers: {
  cookie?: string | readonly string[] | null;
  authorization?: string | readonly string[] | null;
}): boolean {
  return !headers.authorization && !String(headers.cookie ?? '').includes(AUTH_COOKIE);
}
