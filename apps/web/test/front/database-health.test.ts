import { describe, expect, it } from 'vitest';
import { databaseHealth, unavailable } from '../../src/front/database-health';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  return check();
};

describe('databaseHealth', () => {
  it('probes only when suspicious, stays down while the database is, and comes back with it', async () => {
    let up = true;
    let probes = 0;
    const lines: string[] = [];
    const health = databaseHealth(
      async () => {
        probes++;
        return up;
      },
      (line) => lines.push(line),
      10,
    );
    try {
      expect(health.down).toBe(false);
      expect(probes).toBe(0); // no query per request: nothing is asked until something fails
      health.suspect();
      await until(() => probes === 1);
      expect(health.down).toBe(false);

      up = false;
      health.suspect();
      expect(await until(() => health.down)).toBe(true);
      const during = probes;
      expect(await until(() => probes > during + 2)).toBe(true); // it keeps looking
      up = true;
      expect(await until(() => !health.down)).toBe(true);
      expect(lines).toEqual([
        'database unreachable: answering 503 until it is back',
        expect.stringMatching(/^database reachable again after \d+ s$/),
      ]);
    } finally {
      health.close();
    }
  });

  it('answers pages with a self-reloading page and the API with JSON, both 503 with Retry-After', () => {
    const page = unavailable(false);
    expect(page).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(page.body).toContain('database is unreachable');
    const api = unavailable(true);
    expect(api.headers['content-type']).toBe('application/json');
    expect(JSON.parse(api.body).error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
