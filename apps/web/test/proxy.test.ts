import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { config, proxy } from '../src/proxy';

describe('proxy', () => {
  it('answers a bad page parameter with a 400 page that names it', async () => {
    const response = proxy(new NextRequest('http://site/?version=99999999999999999999'));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<h1>Bad request<\/h1><p>version must be an id/);
  });

  it('lets good requests through to the page', () => {
    const response = proxy(new NextRequest('http://site/compare?a=1&b=2'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-middleware-next')).toBe('1');
  });

  it('runs on every page that takes an id in its query', () => {
    expect(config.matcher).toEqual(
      expect.arrayContaining(['/', '/concepts', '/compare', '/episodes/:id', '/submissions/:id']),
    );
  });

  it('matches no API route: a matched request’s body would be read before the route’s door', () => {
    for (const path of config.matcher) expect(path).not.toMatch(/^\/api(\/|$)|:path\*/);
  });
});
