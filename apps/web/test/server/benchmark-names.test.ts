import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RUNNER_API, SITE_API } from '@linkboard/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { openTestSite } from '../site';

/**
 * One name for a benchmark version everywhere a person sees or types one: `name@version`
 * (issue 29). No REST route, page URL or form field takes a version by its database id; a link
 * of before (`?version=<id>`) is sent on to the same page by name. The CLI's side is
 * apps/runner/test/benchmark-names.test.ts.
 */

// The pages read through the server caller: the test site's, as an anonymous visitor.
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', () => ({ api: async () => site.caller(null) }));

beforeAll(async () => {
  site = await openTestSite('one-name');
});
afterAll(() => site.database.drop());

const APP = path.resolve(import.meta.dirname, '../../src/app');
const SRC = path.resolve(import.meta.dirname, '../../src');

/** What a database id of a benchmark version would be called as a parameter or a field. */
const ID_NAMES = /^(benchmark_?version_?id|version_?id|benchmarkVersionId|versionId|version)$/i;

describe('the REST API, from its OpenAPI document', () => {
  type Operation = {
    parameters?: { name: string; in: string }[];
    requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
    security?: Record<string, unknown>[];
  };
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  beforeAll(async () => {
    const { GET } = await import('../../src/app/api/openapi.json/route');
    document = await GET().json();
  });

  /** Every input an operation takes: its path and query parameters, and its body's fields. */
  const inputsOf = (operation: Operation): string[] => [
    ...(operation.parameters ?? []).map((p) => `${p.in}:${p.name}`),
    ...Object.values(operation.requestBody?.content ?? {}).flatMap(({ schema }) => {
      const name = schema.$ref?.split('/').pop();
      return Object.keys((name && document.components.schemas[name]?.properties) ?? {}).map(
        (field) => `body:${field}`,
      );
    }),
  ];

  it('lists every route’s inputs, and none takes a version by its database id', () => {
    const inputs: Record<string, string[]> = {};
    for (const [route, methods] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(methods)) {
        // The runner API is the platform's own protocol with its runners (a runner token, never a
        // person's): the version it names is the one the claimed job carries.
        if (route.startsWith(RUNNER_API.base)) {
          expect(operation.security, route).toEqual([{ runnerToken: [] }]);
          continue;
        }
        inputs[`${method.toUpperCase()} ${route}`] = inputsOf(operation);
      }
    expect(Object.keys(inputs).sort()).toEqual(
      [
        `GET ${SITE_API.benchmarks}`,
        `GET ${SITE_API.leaderboard}`,
        `GET ${SITE_API.traits}`,
        `GET ${SITE_API.ranked}`,
        `POST ${SITE_API.submissions}`,
        `POST ${SITE_API.estimate}`,
        `GET ${SITE_API.submissions}/{id}`,
        `GET ${SITE_API.submissions}/{id}/answers.jsonl`,
      ].sort(),
    );
    const byId = Object.entries(inputs).flatMap(([route, names]) =>
      names.filter((n) => ID_NAMES.test(n.split(':')[1] ?? '')).map((n) => `${route} ${n}`),
    );
    expect(byId).toEqual([]);
    // Where a route takes a version, it is `benchmark`, name@version.
    for (const route of [`GET ${SITE_API.leaderboard}`, `GET ${SITE_API.traits}`])
      expect(inputs[route], route).toContain('query:benchmark');
    for (const route of [`POST ${SITE_API.submissions}`, `POST ${SITE_API.estimate}`])
      expect(inputs[route], route).toContain('body:benchmark');
    // The ids the others take are submissions'.
    expect(inputs[`GET ${SITE_API.submissions}/{id}`]).toEqual(['path:id']);
  });

  it('names a version name@version where a reply names one', () => {
    for (const reply of ['LeaderboardReply', 'TraitsReply', 'AnswerLine', 'WebhookPayload']) {
      const fields = Object.keys(document.components.schemas[reply]?.properties ?? {});
      expect(fields, reply).toContain('benchmark');
      expect(
        fields.filter((f) => ID_NAMES.test(f)),
        reply,
      ).toEqual([]);
    }
    const summary = document.components.schemas.BenchmarkList?.properties?.benchmarks as {
      items: { properties: Record<string, { deprecated?: boolean }> };
    };
    expect(Object.keys(summary.items.properties)).toContain('benchmark');
    // The database id is listed for the deprecated benchmarkVersionId only, said so.
    expect(summary.items.properties.id).toMatchObject({ deprecated: true });
  });
});

/**
 * The query parameters each page reads, by hand: checked against the app folder (every page is
 * listed) and against each page's source (what it reads is what is listed here). `/`'s board
 * reads the rest of its parameters in `_leaderboard/board-state.ts`.
 */
const PAGE_PARAMS: Record<string, string[]> = {
  '': [
    'benchmark',
    'policy',
    'scorer',
    'sort',
    'q',
    'all',
    'self',
    'params_min',
    'params_max',
    'weights',
    'organisation',
    'cost',
  ],
  about: [],
  admin: [],
  compare: ['ids', 'a', 'b', 'policy'],
  concepts: ['benchmark', 'order'],
  'concepts/[id]': ['scorer'],
  'episodes/[id]': ['submission', 'scorer'],
  queue: [],
  ranked: [],
  'sign-in': [],
  'sign-up': [],
  submissions: [],
  'submissions/[id]': ['overlay', 'scorer'],
  submit: [],
  tokens: [],
};

/** The page folders under src/app (`''` is the front page). */
function pageFolders(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return pageFolders(
        path.join(dir, entry.name),
        prefix ? `${prefix}/${entry.name}` : entry.name,
      );
    return entry.name === 'page.tsx' ? [prefix] : [];
  });
}

/** Every source file of the site, by its path under src. */
function sources(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return sources(path.join(dir, entry.name), rel);
    return /\.tsx?$/.test(entry.name) ? [rel] : [];
  });
}

/** The search params a source reads as `sp.<name>` (the pages' `await searchParams`). */
const readParams = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/\bsp\.(\w+)/g)].map((m) => m[1] as string);

describe('the site’s page URLs', () => {
  it('every page is listed, with the parameters it reads, and none is a version’s id', () => {
    const pages = pageFolders(APP).sort();
    expect(pages).toEqual(Object.keys(PAGE_PARAMS).sort());
    for (const page of pages) {
      const read = readParams(path.join(APP, page, 'page.tsx'));
      if (page === '') read.push(...readParams(path.join(APP, '_leaderboard/board-state.ts')));
      expect([...new Set(read)].sort(), page || '/').toEqual([...(PAGE_PARAMS[page] ?? [])].sort());
      expect(
        read.filter((name) => ID_NAMES.test(name)),
        page || '/',
      ).toEqual([]);
    }
  });

  it('no link or form of the site names a version by its id', () => {
    const found: string[] = [];
    for (const file of sources(SRC)) {
      // The code, not what its comments say of the links of before.
      const text = readFileSync(path.join(SRC, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      for (const pattern of [
        /[?&]version=/,
        /name="version"/,
        /\bversion: String\(/,
        /benchmarkVersionId=/,
      ])
        if (pattern.test(text)) found.push(`${file}: ${pattern}`);
    }
    expect(found).toEqual([]);
  });

  it('a link of before, `?version=<id>`, is sent on to the same page by name, the rest kept', async () => {
    const named = encodeURIComponent(site.benchmark);
    const redirected = async (render: () => Promise<unknown>) => {
      try {
        await render();
      } catch (error) {
        // Next's redirect: `NEXT_REDIRECT;<type>;<url>;<status>;`.
        const [code, , url, status] = String((error as { digest?: string }).digest).split(';');
        if (code === 'NEXT_REDIRECT') return { url, status: Number(status) };
        throw error;
      }
      return null;
    };
    const { default: Board } = await import('../../src/app/page');
    const { default: Concepts } = await import('../../src/app/concepts/page');
    const id = String(site.versionId);
    expect(
      await redirected(() =>
        Board({ searchParams: Promise.resolve({ version: id, sort: 'model', q: 'x' }) }),
      ),
    ).toEqual({ url: `/?benchmark=${named}&sort=model&q=x`, status: 308 });
    expect(
      await redirected(() =>
        Concepts({ searchParams: Promise.resolve({ order: 'accuracy', version: id }) }),
      ),
    ).toEqual({ url: `/concepts?benchmark=${named}&order=accuracy`, status: 308 });
    // The export's links too: a 308 to the same export by name.
    const { GET } = await import('../../src/app/api/export/route');
    const exported = await GET(
      new Request(`http://site/api/export?version=${id}&format=json&policy=lcl`),
    );
    expect(exported.status).toBe(308);
    expect(exported.headers.get('location')).toBe(
      `http://site/api/export?benchmark=${named}&format=json&policy=lcl`,
    );
    const byName = await GET(
      new Request(`http://site${exported.headers.get('location')?.slice(11)}`),
    );
    expect(byName.status).toBe(200);
    expect(await byName.json()).toMatchObject({ benchmark: site.benchmark, policy: 'lcl' });
    // An unknown name is the page's 404.
    await expect(
      Board({ searchParams: Promise.resolve({ benchmark: 'one-name@99' }) }),
    ).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) });
  });
});

describe('the site’s procedures', () => {
  /** The fields a procedure's input takes (an object's keys; none for no input). */
  function inputFields(procedure: { _def: { inputs: unknown[] } }): string[] {
    return procedure._def.inputs.flatMap((input) =>
      input instanceof z.ZodObject ? Object.keys(input.shape) : [],
    );
  }

  it('the doors a person submits through take `benchmark`; ids stay with the pages’ reads', async () => {
    const { appRouter } = await import('../../src/server/routers');
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { inputs: unknown[] } }
    >;
    const byField = (field: string) =>
      Object.entries(procedures)
        .filter(([, p]) => inputFields(p).includes(field))
        .map(([name]) => name)
        .sort();
    expect(byField('benchmark')).toEqual([
      'submissions.create',
      'submissions.estimate',
      'submissions.testConnection',
    ]);
    // The server components' own reads, after a page has turned the URL's name into the
    // version: the site's internals, never in a URL (the pages' parameters are checked above).
    expect(byField('benchmarkVersionId')).toEqual([
      'concepts.gallery',
      'concepts.heatmap',
      'concepts.traits',
      'leaderboard.board',
      'leaderboard.rows',
    ]);
  });
});
