import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEpisodes, indexBenchmark, isLoopbackHost } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import {
  createSubmission,
  decryptSecret,
  getBenchmarkVersion,
  importBenchmark,
  loadSecretKey,
  registerModel,
  users,
} from '@linkboard/db';
import { createTestDatabase } from '@linkboard/db/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

// The site reads its settings once, at import: each block below imports it afresh under its own.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let versionId: number;
/** The fixture's version by its one name, as the site's doors take it. */
let benchmark: string;
let databasePort: number;
const alice = { id: 'user-alice', role: 'submitter' as const, via: 'session' as const };
const bob = { id: 'user-bob', role: 'submitter' as const, via: 'session' as const };
const SITE_PORT = 3456;

beforeAll(async () => {
  database = await createTestDatabase(inject('pgUrl'));
  databasePort = Number(new URL(database.pool.options.connectionString as string).port);
  const manifest = fixtureManifest({ name: 'endpoint-test', pairs: 1, supportPerConcept: 4 });
  ({ benchmarkVersionId: versionId } = await importBenchmark(database.db, manifest));
  benchmark = `${manifest.benchmark.name}@${manifest.benchmark.version}`;
  await database.db.insert(users).values([
    { id: alice.id, name: 'Alice', email: 'alice@example.com' },
    { id: bob.id, name: 'Bob', email: 'bob@example.com' },
  ]);
});
afterAll(() => database.drop());

const SETTINGS = [
  'LINKBOARD_HOST',
  'LINKBOARD_ALLOW_PRIVATE_ENDPOINTS',
  'LINKBOARD_ALLOWED_ENDPOINTS',
] as const;

/** The site's routers as a server started with these settings would have them. */
async function siteWith(
  settings: Partial<Record<(typeof SETTINGS)[number], string>>,
  quota = '1000',
  options: { startedOnItsOwn?: boolean } = {},
) {
  for (const name of SETTINGS) delete process.env[name];
  // As `linkboard start` passes it on a personal install (the embedded database, the site on
  // loopback): private endpoints allowed, said explicitly. A site given only DATABASE_URL is a
  // shared one and refuses them by default, as its runners do (the platform's one policy).
  const personal =
    !options.startedOnItsOwn &&
    settings.LINKBOARD_ALLOW_PRIVATE_ENDPOINTS === undefined &&
    (settings.LINKBOARD_HOST === undefined || isLoopbackHost(settings.LINKBOARD_HOST));
  Object.assign(process.env, personal ? { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' } : {}, settings, {
    DATABASE_URL: database.pool.options.connectionString,
    LINKBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'linkboard-web-endpoints-')),
    LINKBOARD_PORT: String(SITE_PORT),
    LINKBOARD_DAILY_QUOTA: quota,
    LINKBOARD_DAILY_CONNECTION_TESTS: quota,
  });
  vi.resetModules();
  const routers = await import('../../../src/server/routers');
  const trpc = await import('../../../src/server/trpc');
  const caller = trpc.createCallerFactory(routers.appRouter)({
    db: database.db,
    viewer: alice,
    fill: false,
  });
  const submit = (endpoint: string) =>
    caller.submissions.create({
      name: `alice-${Math.random()}`,
      benchmark,
      kind: 'endpoint',
      endpoint,
      model: 'm',
      shots: [2],
      policies: ['lcl'],
      draws: 1,
    });
  const test = (endpoint: string) =>
    caller.submissions.testConnection({ benchmark, endpoint, model: 'm' });
  /** A call as the browser makes it: over HTTP, through the error formatter. */
  const post = async (procedure: string, input: unknown, viewer = alice) => {
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(`http://site/api/trpc/${procedure}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: input }),
      }),
      router: routers.appRouter,
      createContext: () => ({ db: database.db, viewer, fill: false }),
    });
    return { status: response.status, body: await response.text() };
  };
  /** The routers as another viewer calls them. */
  const as = (viewer: typeof alice) =>
    trpc.createCallerFactory(routers.appRouter)({ db: database.db, viewer, fill: false });
  return { caller, submit, test, post, as };
}

const count = async () =>
  (await database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n as number;

describe('endpoints at submit and in connection tests', () => {
  it('refuses metadata, IPv4-compatible and the platform’s own ports on a personal install', async () => {
    const site = await siteWith({});
    const before = await count();
    for (const [endpoint, why] of [
      ['http://169.254.169.254/', /\(linkLocal\), which no submission may reach/],
      ['http://metadata.google.internal/', /is a cloud metadata service/],
      ['http://[::7f00:1]/', /\(ipv4Compatible\)/],
      [`http://127.0.0.1:${SITE_PORT}/v1`, /port 3456 of this platform's own network/],
      [`http://localhost:${databasePort}/`, /of this platform's own network/],
      ['http://127.0.0.1:8000/internal/admin?x=', /no query string or fragment/],
    ] as [string, RegExp][]) {
      for (const call of [site.submit, site.test])
        await expect(call(endpoint), endpoint).rejects.toMatchObject({
          code: 'BAD_REQUEST',
          message: expect.stringMatching(why),
        });
    }
    expect(await count()).toBe(before);
    // A local model server is the normal case on a personal install.
    await expect(site.submit('http://127.0.0.1:8000/v1')).resolves.toMatchObject({ episodes: 4 });
    await expect(site.test('http://localhost:8000/v1')).resolves.toHaveProperty('id');
  });

  it('refuses loopback when the site is reachable from other hosts, unless the operator allows it', async () => {
    const open = await siteWith({ LINKBOARD_HOST: '0.0.0.0' });
    for (const call of [open.submit, open.test])
      await expect(call('http://127.0.0.1:8000/')).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/\(loopback\); private and loopback endpoints are refused/),
      });
    await expect(open.submit('http://93.184.215.14/v1')).resolves.toHaveProperty('id');

    const named = await siteWith({
      LINKBOARD_HOST: '0.0.0.0',
      LINKBOARD_ALLOWED_ENDPOINTS: '127.0.0.1:8000',
    });
    await expect(named.submit('http://127.0.0.1:8000/')).resolves.toHaveProperty('id');
    await expect(named.submit('http://127.0.0.1:8001/')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const allowed = await siteWith({
      LINKBOARD_HOST: '0.0.0.0',
      LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
    });
    await expect(allowed.test('http://127.0.0.1:8000/')).resolves.toHaveProperty('id');
    const closed = await siteWith({ LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0' });
    await expect(closed.test('http://127.0.0.1:8000/')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    // A site given only a DATABASE_URL, on loopback, is a shared deployment: it refuses what its
    // runners refuse (it used to accept them, and the runners then failed the run).
    const shared = await siteWith({ LINKBOARD_HOST: '127.0.0.1' }, '1000', {
      startedOnItsOwn: true,
    });
    await expect(shared.submit('http://127.0.0.1:8000/v1')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/\(loopback\); private and loopback endpoints are refused/),
    });
  });

  it('takes Anthropic and Gemini endpoints under the same address policy, with their settings', async () => {
    const site = await siteWith({});
    const submitAs = (adapter: 'anthropic' | 'gemini', endpoint?: string, extra = {}) =>
      site.caller.submissions.create({
        name: `alice-${Math.random()}`,
        benchmark,
        kind: 'endpoint',
        adapter,
        endpoint,
        model: 'm',
        shots: [2],
        policies: ['lcl'],
        draws: 1,
        ...extra,
      });
    // A provider's API is no way around the policy: metadata addresses are refused for it too.
    for (const adapter of ['anthropic', 'gemini'] as const) {
      await expect(submitAs(adapter, 'http://169.254.169.254/v1')).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/which no submission may reach/),
      });
      await expect(
        site.caller.submissions.testConnection({
          benchmark,
          adapter,
          endpoint: 'http://169.254.169.254/v1',
          model: 'm',
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    const { id } = await submitAs('anthropic', 'http://127.0.0.1:8000/v1', {
      maxTokens: 4096,
      temperature: null,
      thinkingBudget: 2048,
    });
    const { rows } = await database.pool.query(
      'SELECT adapter, adapter_config FROM submissions WHERE id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({
      adapter: 'anthropic',
      adapter_config: {
        endpoint: 'http://127.0.0.1:8000/v1',
        temperature: null,
        thinkingBudget: 2048,
        tokenLimitField: 'max_tokens',
      },
    });
    // The provider's own rules, named by field, before anything is queued.
    await expect(
      submitAs('anthropic', 'http://127.0.0.1:8000/v1', { thinkingBudget: 2048 }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/field thinkingBudget: .*less than maxTokens/),
    });
    await expect(
      site.caller.submissions.testConnection({
        benchmark,
        adapter: 'gemini',
        endpoint: 'http://127.0.0.1:8000/v1beta',
        model: 'm',
      }),
    ).resolves.toHaveProperty('id');
    // Only an OpenAI-compatible endpoint has no public URL to default to.
    await expect(
      site.caller.submissions.create({
        name: 'no-url',
        benchmark,
        kind: 'endpoint',
        model: 'm',
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      }),
    ).rejects.toMatchObject({ message: /field endpoint: an endpoint URL is required/ });
  });

  it('shows a connection test that got no answer as a short classified message, never the reply', async () => {
    const site = await siteWith({});
    const modelId = await registerModel(database.db, { name: 'probe', ownerId: alice.id });
    const failures: [string, RegExp][] = [
      [
        'client-error: HTTP 404: <html>internal admin console, secret token abc123</html>',
        /^client-error \(HTTP 404\): the endpoint refused the request/,
      ],
      ['server-error: HTTP 503', /^server-error \(HTTP 503\): the endpoint failed/],
      [
        'endpoint-refused: endpoint 10.0.0.5 resolves to 10.0.0.5 (private); private and loopback endpoints are refused here',
        /^endpoint 10\.0\.0\.5 resolves to 10\.0\.0\.5 \(private\)/,
      ],
    ];
    for (const [lastError, shown] of failures) {
      const { submissionId } = await createSubmission(database.db, {
        modelId,
        benchmarkVersionId: versionId,
        adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:8000/v1', model: 'm' },
        probe: true,
        shots: [2],
        policies: ['lcl'],
        episodeLimit: 1,
        ownerId: alice.id,
        visibility: 'withdrawn',
      });
      await database.pool.query(
        `UPDATE submissions SET status = 'failed', last_error = $2 WHERE id = $1`,
        [submissionId, lastError],
      );
      const probe = await site.caller.submissions.probe({ id: submissionId });
      expect(probe.answer).toBeNull();
      expect(probe.error).toMatch(shown);
      expect(JSON.stringify(probe)).not.toMatch(/secret|admin console|<html>/);
    }
  });
});

describe('a submission’s last error as a reader is shown it', () => {
  it('whole to its owner and admins; to anyone else its class and HTTP status, never a reply nor the guard’s reason', async () => {
    await siteWith({});
    const { lastErrorFor } = await import('../../../src/server/routers/submissions');
    const owned = { ownerId: alice.id };
    const admin = { id: 'user-admin', role: 'admin' as const, via: 'session' as const };
    const reply =
      'client-error: HTTP 403: <html>internal admin console, secret token abc123</html>';
    expect(lastErrorFor(alice, owned, reply)).toBe(reply);
    expect(lastErrorFor(admin, owned, reply)).toBe(reply);
    for (const viewer of [null, bob]) {
      expect(lastErrorFor(viewer, owned, reply)).toMatch(/^client-error \(HTTP 403\): /);
      expect(lastErrorFor(viewer, owned, reply)).not.toMatch(/secret|console|<html>/);
    }
    // A job's message comes without its class, which is given beside it.
    expect(lastErrorFor(null, owned, 'HTTP 429: slow down, key sk-123', 'rate-limited')).toMatch(
      /^rate-limited \(HTTP 429\): /,
    );
    // The guard's reason names the host and where it resolved: its owner's to read.
    const refused =
      'endpoint-refused: endpoint 10.0.0.5 resolves to 10.0.0.5 (private); private and loopback endpoints are refused here';
    expect(lastErrorFor(null, owned, refused)).toMatch(/^endpoint-refused: /);
    expect(lastErrorFor(null, owned, refused)).not.toMatch(/10\.0\.0\.5/);
    expect(lastErrorFor(alice, owned, refused)).toBe(refused);
    // Text that does not start with a class core knows is not taken for one.
    expect(lastErrorFor(null, owned, 'password: hunter2')).toMatch(/^error: /);
    // A CLI submission (no owner): admins only.
    expect(lastErrorFor(alice, { ownerId: null }, reply)).not.toMatch(/secret/);
    expect(lastErrorFor(null, owned, null)).toBeNull();
  });
});

describe('webhooks at submit', () => {
  const hooked = (caller: Awaited<ReturnType<typeof siteWith>>['caller'], webhook?: string) =>
    caller.submissions.create({
      name: `alice-${Math.random()}`,
      benchmark,
      kind: 'serve',
      profile: 'vllm',
      model: 'm',
      shots: [2],
      policies: ['lcl'],
      draws: 1,
      webhook,
    });

  it('makes a secret, answers it once, stores it encrypted, and shows the webhook to its owner only', async () => {
    const site = await siteWith({});
    const created = await hooked(site.caller, 'http://127.0.0.1:8000/hooks/linkboard');
    expect(created.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const secret = created.webhookSecret as string;
    const { rows } = await database.pool.query(
      'SELECT webhook_url, webhook_secret FROM submissions WHERE id = $1',
      [created.id],
    );
    expect(rows[0].webhook_url).toBe('http://127.0.0.1:8000/hooks/linkboard');
    expect(rows[0].webhook_secret).not.toContain(secret);
    const key = await loadSecretKey({ dataDir: process.env.LINKBOARD_DATA_DIR as string });
    expect(decryptSecret(key, rows[0].webhook_secret)).toBe(secret);

    // Its page's reads: the public one has neither the URL nor the secret.
    const publicView = JSON.stringify(await site.as(bob).submissions.byId({ id: created.id }));
    expect(publicView).not.toContain('hooks/linkboard');
    expect(publicView).not.toContain('whsec_');
    expect(await site.caller.submissions.webhook({ id: created.id })).toEqual({
      url: 'http://127.0.0.1:8000/hooks/linkboard',
      deliveries: [],
    });
    await expect(site.as(bob).submissions.webhook({ id: created.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await site.caller.submissions.cancel({ id: created.id });
    const shown = await site.caller.submissions.webhook({ id: created.id });
    expect(shown?.deliveries).toMatchObject([
      { state: 'cancelled', status: 'pending', attempts: 0 },
    ]);
    expect(JSON.stringify(shown)).not.toContain('whsec_');

    const plain = await hooked(site.caller);
    expect(plain).not.toHaveProperty('webhookSecret');
    expect(await site.caller.submissions.webhook({ id: plain.id })).toBeNull();
  });

  it('refuses a webhook the endpoint policy refuses, naming the field, before creating anything', async () => {
    const open = await siteWith({ LINKBOARD_HOST: '0.0.0.0' });
    const before = await count();
    await expect(hooked(open.caller, 'http://127.0.0.1:8000/hook')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(
        /^field webhook: webhook 127\.0\.0\.1:8000 resolves to 127\.0\.0\.1 \(loopback\); private and loopback endpoints are refused/,
      ),
    });
    await expect(hooked(open.caller, 'http://169.254.169.254/hook')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/\(linkLocal\), which no submission may reach/),
    });
    await expect(hooked(open.caller, 'https://hooks.example.org/x?token=1')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await count()).toBe(before);
  });
});

const countModels = async () =>
  (await database.pool.query('SELECT count(*)::int AS n FROM models')).rows[0].n as number;

describe('text a submission carries', () => {
  const submission = (change: Record<string, unknown>) => ({
    name: 'nul-test-model',
    benchmark,
    kind: 'endpoint',
    endpoint: 'http://127.0.0.1:8000/v1',
    model: 'm',
    apiKey: 'sk-nul-test',
    shots: [2],
    policies: ['lcl'],
    ...change,
  });

  it.each([
    ['name', { name: 'evil\u0000model' }, /name: holds a control character \(U\+0000\)/],
    ['organisation', { organisation: 'org\u0000' }, /organisation: holds a control character/],
    ['model', { model: 'm\u0000' }, /model: holds a control character \(U\+0000\)/],
    ['name', { name: 'evil\u001bmodel' }, /name: holds a control character \(U\+001B\)/],
    ['name', { name: 'A-public\u200b-model' }, /name: holds an invisible .*\(U\+200B\)/],
    ['name', { name: '\u202eA-public-model' }, /name: holds an invisible .*\(U\+202E\)/],
  ])(
    'refuses a bad %s with a 400 that names it, and creates nothing',
    async (_field, change, why) => {
      const site = await siteWith({});
      const [submissions, models] = [await count(), await countModels()];
      const { status, body } = await site.post('submissions.create', submission(change));
      expect(status).toBe(400);
      expect(JSON.parse(body).error.json.message).toMatch(why);
      expect(body).not.toMatch(/insert|select|params|sk-nul-test|v1\./i);
      expect([await count(), await countModels()]).toEqual([submissions, models]);
    },
  );

  it('refuses a NUL in an uploaded answer with its line, and creates nothing', async () => {
    const site = await siteWith({});
    const version = await getBenchmarkVersion(database.db, versionId);
    const [episode] = buildEpisodes(indexBenchmark(version?.manifest as never), {
      shots: [2],
      policies: ['lcl'],
      draws: 1,
    });
    const models = await countModels();
    const { status, body } = await site.post(
      'submissions.create',
      submission({
        kind: 'predictions',
        predictions: JSON.stringify({ episode_id: episode?.id, answer: 'cacti\u0000hog' }),
      }),
    );
    expect(status).toBe(400);
    expect(JSON.parse(body).error.json.message).toMatch(
      /predictions\.jsonl:1: field answer: holds a NUL character/,
    );
    expect(await countModels()).toBe(models);
  });

  it('refuses a NUL in a connection test’s model', async () => {
    const site = await siteWith({});
    const { status, body } = await site.post('submissions.testConnection', {
      benchmark,
      endpoint: 'http://127.0.0.1:8000/v1',
      model: 'm\u0000',
      apiKey: 'sk-nul-test',
    });
    expect(status).toBe(400);
    expect(JSON.parse(body).error.json.message).toMatch(/^model: holds a control character/);
  });
});

describe('model names', () => {
  it('refuses look-alikes of another account’s name, with a 409 that says whose it looks like', async () => {
    const site = await siteWith({});
    await site.caller.submissions.create({
      name: 'A-public-model',
      benchmark,
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:8000/v1',
      model: 'm',
      shots: [2],
      policies: ['lcl'],
      draws: 1,
    });
    const models = await countModels();
    for (const name of ['a-public-model', '\u0410-public-model', 'A-public-m\u03bfdel']) {
      const { status, body } = await site.post(
        'submissions.create',
        {
          name,
          benchmark,
          kind: 'endpoint',
          endpoint: 'http://127.0.0.1:8000/v1',
          model: 'm',
          shots: [2],
          policies: ['lcl'],
        },
        bob,
      );
      expect(status, name).toBe(409);
      expect(JSON.parse(body).error.json.message).toMatch(/looks like "A-public-model"/);
    }
    expect(await countModels()).toBe(models);
  });

  it('leaves no model behind when the quota refuses the submission', async () => {
    const site = await siteWith({}, '0');
    const models = await countModels();
    const refused = await site.post(
      'submissions.create',
      {
        name: 'bob-over-quota',
        benchmark,
        kind: 'endpoint',
        endpoint: 'http://127.0.0.1:8000/v1',
        model: 'm',
        shots: [2],
        policies: ['lcl'],
      },
      bob,
    );
    expect(refused.status).toBe(429);
    const probe = await site.post(
      'submissions.testConnection',
      { benchmark, endpoint: 'http://127.0.0.1:8000/v1', model: 'm' },
      bob,
    );
    expect(probe.status).toBe(429);
    expect(await countModels()).toBe(models);
  });
});
