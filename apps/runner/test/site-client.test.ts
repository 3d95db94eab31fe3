import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SITE_API } from '@linkboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteClient } from '../src/site-client';
import { freePort } from './helpers';

// Stands in for a site only to drive the client's error paths; the real site answers the same
// requests in the e2e test (`submit --site` against `linkboard start`).
let reply: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const seen: { authorization?: string; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    seen.push({ authorization: req.headers.authorization, body });
    reply(req, res, body);
  });
});
let site: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('the site client', () => {
  it('sends the token and the body, and returns the parsed reply', async () => {
    reply = (req, res) =>
      req.url === SITE_API.submissions
        ? json(res, 201, { id: 7, episodes: 12 })
        : json(res, 404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    const created = await siteClient(site, 'lb_secret').createSubmission({
      benchmark: 'isekai-synth@3.1',
      name: 'm',
      kind: 'endpoint',
      endpoint: 'https://example.com/v1',
      model: 'x',
      shots: [2],
      policies: ['lcl'],
    });
    expect(created).toEqual({ id: 7, episodes: 12 });
    expect(seen.at(-1)?.authorization).toBe('Bearer lb_secret');
    expect(JSON.parse(seen.at(-1)!.body)).toMatchObject({ name: 'm', shots: [2] });
  });

  it('says what the site refused, with the URL, and never the token', async () => {
    reply = (_req, res) =>
      json(res, 429, { error: { code: 'TOO_MANY_REQUESTS', message: 'daily quota of 3 used' } });
    const refused = siteClient(site, 'lb_secret').benchmarks();
    await expect(refused).rejects.toThrow(
      `${site.replace(/\/$/, '')}${SITE_API.benchmarks}: daily quota of 3 used`,
    );
    await expect(refused).rejects.not.toThrow(/lb_secret/);
  });

  it('refuses a reply that is not linkboard’s, and names an address nothing answers at', async () => {
    reply = (_req, res) => json(res, 200, { versions: 'not a list' });
    await expect(siteClient(site, 't').benchmarks()).rejects.toThrow(
      /the reply is not what linkboard's API sends/,
    );
    const nobody = `http://127.0.0.1:${await freePort()}`;
    await expect(siteClient(nobody, 't').benchmarks()).rejects.toThrow(
      new RegExp(`^${nobody}${SITE_API.benchmarks}: .*ECONNREFUSED`),
    );
  });
});
