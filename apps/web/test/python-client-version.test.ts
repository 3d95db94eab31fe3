import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The Python client (clients/python) is released with the API version it speaks: its
// `API_VERSION` is what the site's OpenAPI document gives as `info.version`, and its version's
// major number is that version's (linkboard-client 1.x speaks /api/v1). pip reads the version from
// the module (pyproject.toml's dynamic version), so the module is the one place to check.
const client = new URL('../../../clients/python/', import.meta.url);
const source = (file: string) => readFileSync(new URL(file, client), 'utf8');

/** A module-level string constant of the client, as Python assigns it. */
function constant(name: string): string | undefined {
  return new RegExp(`^${name} = "([^"]*)"$`, 'm').exec(source('linkboard_client/__init__.py'))?.[1];
}

describe('the Python client and the API it speaks', () => {
  it('has the API version that the site documents, and the same major version', async () => {
    const { GET } = await import('../src/app/api/openapi.json/route');
    const described = (await GET().json()) as { info: { version: string } };
    const api = described.info.version;
    expect(api).toMatch(/^v\d+$/);
    expect(constant('API_VERSION')).toBe(api);
    const version = constant('__version__');
    // PEP 440, as pip takes it: release numbers only, major.minor.micro.
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(version?.split('.')[0]).toBe(api.slice(1));
    // The routes it calls are under that version.
    expect(source('linkboard_client/__init__.py')).toContain(`"/api/${api}/submissions"`);
  });

  it('is the distribution pip installs, with that version and its type marker', () => {
    const pyproject = source('pyproject.toml');
    expect(pyproject).toMatch(/^name = "linkboard-client"$/m);
    expect(pyproject).toMatch(/^dynamic = \["version"\]$/m);
    expect(pyproject).toMatch(/^version = \{ attr = "linkboard_client\.__version__" \}$/m);
    expect(pyproject).toMatch(/^linkboard_client = \["py\.typed"\]$/m);
    expect(() => source('linkboard_client/py.typed')).not.toThrow();
  });
});
