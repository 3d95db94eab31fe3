import type { ReactNode } from 'react';
import { prerenderToNodeStream } from 'react-dom/static';

/**
 * A page's HTML as the server renders it (async server components included), for a test to read:
 * the page is called as Next calls it, with the routers answering through the test site's caller
 * (each test file mocks `~/server/caller`'s `api`). An error a component throws is thrown here.
 */
export async function html(element: ReactNode | Promise<ReactNode>): Promise<string> {
  let failed: unknown = null;
  const { prelude } = await prerenderToNodeStream(await element, {
    onError: (error) => {
      failed ??= error;
    },
  });
  let out = '';
  for await (const chunk of prelude) out += chunk;
  if (failed) throw failed;
  return out;
}

/** What `notFound()` and `forbidden()` throw (Next's digest), or null for a page that rendered. */
export async function httpFallback(render: () => Promise<unknown>): Promise<number | null> {
  try {
    await render();
    return null;
  } catch (error) {
    const digest = (error as { digest?: unknown }).digest;
    const status = typeof digest === 'string' && /^NEXT_HTTP_ERROR_FALLBACK;(\d+)$/.exec(digest);
    if (status) return Number(status[1]);
    throw error;
  }
}

/** The page's text, tags and the markers React adds between text parts dropped. */
export const textOf = (markup: string) =>
  markup
    .replace(/<!-- -->/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
