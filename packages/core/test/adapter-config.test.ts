import { describe, expect, it } from 'vitest';
import {
  AdapterConfigError,
  parseAdapterConfig,
  REFERENCE_SERVER,
  requestAdapterConfig,
  SubmissionRequestSchema,
  storedAdapterConfig,
} from '../src/adapter-config';

const fieldsOf = (value: unknown, adapter?: string): string[] => {
  try {
    parseAdapterConfig(value, 'submission 7', adapter);
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterConfigError);
    expect((error as Error).message).toMatch(/^submission 7: field /);
    return (error as AdapterConfigError).fields;
  }
  throw new Error('parsed');
};

describe('AdapterConfig', () => {
  it('parses each adapter in its typed form', () => {
    expect(
      parseAdapterConfig({
        adapter: 'openai',
        endpoint: 'https://api.example.com/v1',
        model: 'm',
        timeoutMs: 30_000,
        retries: 1,
        maxImageSide: 512,
      }),
    ).toEqual({
      adapter: 'openai',
      endpoint: 'https://api.example.com/v1',
      model: 'm',
      timeoutMs: 30_000,
      retries: 1,
      maxImageSide: 512,
    });
    expect(
      parseAdapterConfig({ internal: REFERENCE_SERVER, model: 'random' }, 's', 'openai'),
    ).toEqual({ adapter: 'openai', internal: REFERENCE_SERVER, model: 'random' });
    expect(parseAdapterConfig({ profile: 'reference-cpu', model: 'p' }, 's', 'serve')).toEqual({
      adapter: 'serve',
      profile: 'reference-cpu',
      model: 'p',
    });
    expect(parseAdapterConfig({ adapter: 'predictions', file: 'p.jsonl', count: 3 })).toEqual({
      adapter: 'predictions',
      file: 'p.jsonl',
      count: 3,
    });
    expect(parseAdapterConfig({ name: 'random' }, 's', 'builtin')).toEqual({
      adapter: 'builtin',
      name: 'random',
    });
  });

  it('normalises the endpoint with the one URL validator', () => {
    const config = parseAdapterConfig({
      adapter: 'openai',
      endpoint: ' HTTP://Example.COM:80/v1 ',
      model: 'm',
    });
    expect(config.adapter === 'openai' && config.endpoint).toBe('http://example.com/v1');
  });

  it('refuses bad configs, naming the field', () => {
    expect(fieldsOf({ adapter: 'openai', endpoint: 'ftp://x/v1', model: 'm' })).toEqual([
      'endpoint',
    ]);
    expect(fieldsOf({ adapter: 'openai', endpoint: 'http://x/v1?a=b', model: 'm' })).toEqual([
      'endpoint',
    ]);
    expect(fieldsOf({ adapter: 'openai', endpoint: 'http://u:p@x/v1', model: 'm' })).toEqual([
      'endpoint',
    ]);
    expect(
      fieldsOf({ adapter: 'openai', endpoint: 'http://exa\tmple.com/v1', model: 'm' }),
    ).toEqual(['endpoint']);
    expect(fieldsOf({ adapter: 'openai', model: 'm' })).toEqual(['endpoint']);
    expect(
      fieldsOf({
        adapter: 'openai',
        endpoint: 'http://x/v1',
        internal: REFERENCE_SERVER,
        model: 'm',
      }),
    ).toEqual(['endpoint']);
    expect(fieldsOf({ adapter: 'openai', internal: 'elsewhere', model: 'm' })).toContain(
      'internal',
    );
    expect(
      fieldsOf({ adapter: 'openai', endpoint: 'http://x/v1', model: 'm', timeoutMs: '5' }),
    ).toEqual(['timeoutMs']);
    expect(
      fieldsOf({ adapter: 'openai', endpoint: 'http://x/v1', model: 'm', retries: -1 }),
    ).toEqual(['retries']);
    expect(fieldsOf({ profile: 'p' }, 'serve')).toEqual(['model']);
    expect(fieldsOf({ answers: { e: 'a' }, count: 1 }, 'predictions')).toEqual(['(config)']);
    expect(fieldsOf({ adapter: 'predictions' })).toEqual(['count']);
    expect(fieldsOf({ name: 'x\u0007' }, 'builtin')).toEqual(['name']);
    expect(fieldsOf({ adapter: 'telepathy' })).toEqual(['adapter']);
    expect(fieldsOf('not an object')).toEqual(['(config)']);
  });

  it('stores everything but the adapter, and reads it back the same', () => {
    const config = parseAdapterConfig({ adapter: 'serve', profile: 'p', model: 'm', retries: 2 });
    const stored = storedAdapterConfig(config);
    expect(stored).toEqual({ profile: 'p', model: 'm', retries: 2 });
    expect(parseAdapterConfig(JSON.parse(JSON.stringify(stored)), 's', 'serve')).toEqual(config);
  });
});

describe('SubmissionRequestSchema', () => {
  const base = { name: 'My model', kind: 'endpoint', shots: [2, 4], policies: ['lcl'] } as const;

  it('fills defaults and builds the adapter config', () => {
    const request = SubmissionRequestSchema.parse({
      ...base,
      endpoint: 'https://api.example.com/v1',
      model: 'm',
    });
    expect(request).toMatchObject({ draws: 1, scorer: 'strict', private: false });
    expect(requestAdapterConfig(request)).toEqual({
      adapter: 'openai',
      endpoint: 'https://api.example.com/v1',
      model: 'm',
    });
    expect(requestAdapterConfig({ kind: 'predictions' }, { count: 4, file: 'a.jsonl' })).toEqual({
      adapter: 'predictions',
      count: 4,
      file: 'a.jsonl',
    });
  });

  it('refuses unknown policies and scorers, repeated shots and bad endpoints', () => {
    const issues = (value: object) =>
      SubmissionRequestSchema.safeParse({ ...base, ...value }).error?.issues.map((i) =>
        i.path.join('.'),
      );
    expect(issues({ policies: ['lcl', 'nope'] })).toEqual(['policies.1']);
    expect(issues({ scorer: 'lenient' })).toEqual(['scorer']);
    expect(issues({ shots: [2, 2] })).toEqual(['shots']);
    expect(issues({ endpoint: 'file:///etc/passwd' })).toEqual(['endpoint']);
    expect(issues({ name: 'a\u202eb' })).toEqual(['name']);
  });

  it('says which field a kind is missing', () => {
    const request = SubmissionRequestSchema.parse({ ...base, kind: 'serve', model: 'm' });
    expect(() => requestAdapterConfig(request)).toThrow(/field profile/);
  });
});
