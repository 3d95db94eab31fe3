import { type NextRequest, NextResponse } from 'next/server';
import { pageParamProblem } from './lib/page-params';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Refuses a page request whose query parameters no page can serve, with a 400 page that says
 * which: App Router pages can answer 404 (`notFound()`) but not 400.
 */
export function proxy(request: NextRequest) {
  const problem = pageParamProblem(request.nextUrl.pathname, request.nextUrl.searchParams);
  if (!problem) return NextResponse.next();
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad request · linkboard</title></head><body style="font-family:sans-serif;max-width:40rem;margin:4rem auto"><h1>Bad request</h1><p>${escapeHtml(problem)}.</p><p><a href="/">Back to the leaderboard</a></p></body></html>`;
  return new NextResponse(body, {
    status: 400,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * Pages only, never the API: for a request with a body that the proxy matches, Next reads the
 * whole body before the route runs (to hand the proxy a copy; Next 16's `proxyClientMaxBodySize`,
 * and the route sees only its first 10 MB), so a body would be read before the API's door
 * (`admit`, src/server/api-v1.ts) knows its size and who is asking. The API's rules live there.
 */
export const config = {
  matcher: ['/', '/concepts', '/compare', '/episodes/:id', '/submissions/:id'],
};
