import { afterEach, describe, expect, it, vi } from 'vitest';

/** The site's env module, read afresh under these variables. */
async function siteEnv(variables: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  return (await import('../src/env')).env;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the site environment', () => {
  it('defaults BETTER_AUTH_URL to where the site listens, as a browser here reaches it', async () => {
    expect(
      (
        await siteEnv({
          BETTER_AUTH_URL: undefined,
          LINKBOARD_HOST: '0.0.0.0',
          LINKBOARD_PORT: '4100',
        })
      ).BETTER_AUTH_URL,
    ).toBe('http://127.0.0.1:4100');
    expect(
      (await siteEnv({ BETTER_AUTH_URL: undefined, LINKBOARD_HOST: '::1', LINKBOARD_PORT: '4101' }))
        .BETTER_AUTH_URL,
    ).toBe('http://[::1]:4101');
  });

  it('keeps a BETTER_AUTH_URL that is set (a public URL behind a proxy)', async () => {
    const env = await siteEnv({
      BETTER_AUTH_URL: 'https://linkboard.example',
      LINKBOARD_PORT: '4100',
    });
    expect(env.BETTER_AUTH_URL).toBe('https://linkboard.example');
  });

  it('resolves the data folder to an absolute path', async () => {
    const env = await siteEnv({ LINKBOARD_DATA_DIR: 'some/data' });
    expect(env.dataDir).toBe(`${process.cwd()}/some/data`);
  });
});
