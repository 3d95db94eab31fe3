import { FILL_HEADER, fillIdOf, fillState } from './front/fill';

/**
 * Next calls this for every error it captures while answering. A page-cache fill that failed
 * must not be kept (see src/front/fill.ts); nothing else is done here, Next logs the error.
 */
export function onRequestError(
  _error: unknown,
  request: { headers: Record<string, string | string[] | undefined> },
) {
  const id = fillIdOf(request.headers[FILL_HEADER]);
  if (id !== null) fillState().failed.add(id);
}
