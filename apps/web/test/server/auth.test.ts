import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@linkboard/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let auth: Awaited<ReturnType<typeof import('../../src/server/auth').getAuth>>;
let CLIENT_ADDRESS_HEADER: string;

beforeAll(async () => {
  database = await createTestDatabase(inject('pgUrl'));
  // The site reads its settings once, at import.
  process.env.DATABASE_URL = database.pool.options.connectionString ?? '';
  process.env.LINKBOARD_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'linkboard-web-auth-'));
  auth = await (await import('../../src/server/auth')).getAuth();
  ({ CLIENT_ADDRESS_HEADER } = await import('../../src/front/client-address'));
});
afterAll(() => database.drop());

const ORIGIN = 'http://127.0.0.1:3000';
const post = (route: string, body: unknown, headers: Record<string, string>) =>
  auth.handler(
    new Request(`${ORIGIN}/api/auth/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
      body: JSON.stringify(body),
    }),
  );

describe('rate limits', () => {
  it('count wrong passwords per client, whatever X-Forwarded-For says', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await post(
        'sign-in/email',
        { email: 'nobody@example.com', password: 'wrong-password' },
        { 'x-forwarded-for': `203.0.113.${i}`, [CLIENT_ADDRESS_HEADER]: '198.51.100.7' },
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    // Another client has its own allowance.
    const other = await post(
      'sign-in/email',
      { email: 'nobody@example.com', password: 'wrong-password' },
      { [CLIENT_ADDRESS_HEADER]: '198.51.100.8' },
    );
    expect(other.status).not.toBe(429);
  });

  it('count sign-ups per client: 3 in 10 s', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post(
          'sign-up/email',
          { name: `U${i}`, email: `u${i}@example.com`, password: 'a-good-password' },
          { 'x-forwarded-for': `203.0.113.${i}`, [CLIENT_ADDRESS_HEADER]: '198.51.100.9' },
        ).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });
});
