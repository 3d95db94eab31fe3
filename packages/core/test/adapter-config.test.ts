import { describe, expect, it } from 'vitest';
import {
  AdapterConfigError,
  DEFAULT_GENERATION,
  parseAdapterConfig,
  REFERENCE_SERVER,
  requestAdapterConfig,
  runSettings,
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

const gen = { maxTokens: 1024, temperature: 0, tokenLimitField: 'max_tokens' };

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
      ...gen,
    });
    expect(
      parseAdapterConfig({ internal: REFERENCE_SERVER, model: 'random' }, 's', 'openai'),
    ).toEqual({ adapter: 'openai', internal: REFERENCE_SERVER, model: 'random', ...gen });
    expect(parseAdapterConfig({ profile: 'reference-cpu', model: 'p' }, 's', 'serve')).toEqual({
      adapter: 'serve',
      profile: 'reference-cpu',
      model: 'p',
      ...gen,
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

  it('gives openai and serve configs the official generation settings by default, old rows included', () => {
    expect(DEFAULT_GENERATION).toEqual({
      maxTokens: 1024,
      temperature: 0,
      tokenLimitField: 'max_tokens',
      thinkingBudget: null,
    });
    // A row stored before generation settings existed.
    const old = parseAdapterConfig(
      { endpoint: 'http://x/v1', model: 'm', retries: 2 },
      's',
      'openai',
    );
    expect(old).toMatchObject(gen);
    expect(
      parseAdapterConfig({
        adapter: 'openai',
        endpoint: 'http://x/v1',
        model: 'm',
        maxTokens: 4096,
        temperature: 0.7,
        tokenLimitField: 'max_completion_tokens',
      }),
    ).toMatchObject({
      maxTokens: 4096,
      temperature: 0.7,
      tokenLimitField: 'max_completion_tokens',
    });
    expect(parseAdapterConfig({ name: 'random' }, 's', 'builtin')).not.toHaveProperty('maxTokens');
  });

  it('refuses bad generation settings, naming the field', () => {
    const at = { adapter: 'openai', endpoint: 'http://x/v1', model: 'm' };
    expect(fieldsOf({ ...at, maxTokens: 0 })).toEqual(['maxTokens']);
    expect(fieldsOf({ ...at, maxTokens: 1.5 })).toEqual(['maxTokens']);
    expect(fieldsOf({ ...at, maxTokens: 1_000_000 })).toEqual(['maxTokens']);
    expect(fieldsOf({ ...at, maxTokens: '1024' })).toEqual(['maxTokens']);
    expect(fieldsOf({ ...at, temperature: -0.1 })).toEqual(['temperature']);
    expect(fieldsOf({ ...at, temperature: 3 })).toEqual(['temperature']);
    expect(fieldsOf({ ...at, tokenLimitField: 'max_new_tokens' })).toEqual(['tokenLimitField']);
    expect(() => parseAdapterConfig({ ...at, tokenLimitField: 'max_new_tokens' })).toThrow(
      /field tokenLimitField: unknown token limit field "max_new_tokens"; choose max_tokens or max_completion_tokens/,
    );
    expect(fieldsOf({ profile: 'p', model: 'm', maxTokens: -1 }, 'serve')).toEqual(['maxTokens']);
  });

  it('takes Anthropic and Gemini configs with their public endpoints and fixed limit fields', () => {
    // Why: a researcher submitting Claude or Gemini should not have to look up a base URL.
    expect(parseAdapterConfig({ adapter: 'anthropic', model: 'claude-sonnet-4-5' })).toEqual({
      adapter: 'anthropic',
      endpoint: 'https://api.anthropic.com/v1',
      model: 'claude-sonnet-4-5',
      ...gen,
    });
    expect(
      parseAdapterConfig({ model: 'gemini-2.5-flash', thinkingBudget: 0 }, 's', 'gemini'),
    ).toEqual({
      adapter: 'gemini',
      endpoint: 'https://generativelanguage.googleapis.com/v1beta',
      model: 'gemini-2.5-flash',
      ...gen,
      tokenLimitField: 'maxOutputTokens',
      thinkingBudget: 0,
    });
    // A provider's limit field is its own: restating it is fine, another is refused by name.
    expect(
      parseAdapterConfig({ adapter: 'anthropic', model: 'c', tokenLimitField: 'max_tokens' }),
    ).toMatchObject({ tokenLimitField: 'max_tokens' });
    expect(() =>
      parseAdapterConfig({ adapter: 'gemini', model: 'g', tokenLimitField: 'max_tokens' }),
    ).toThrow(/field tokenLimitField: the gemini API takes its limit as maxOutputTokens/);
  });

  it('checks a thinking budget as each provider documents it', () => {
    const claude = { adapter: 'anthropic', model: 'c', temperature: null };
    expect(parseAdapterConfig({ ...claude, maxTokens: 4096, thinkingBudget: 2048 })).toMatchObject({
      thinkingBudget: 2048,
      temperature: null,
      maxTokens: 4096,
    });
    // Anthropic: at least 1,024, inside max_tokens, and no temperature beside it.
    expect(fieldsOf({ ...claude, maxTokens: 4096, thinkingBudget: 512 })).toEqual([
      'thinkingBudget',
    ]);
    expect(() => parseAdapterConfig({ ...claude, maxTokens: 2048, thinkingBudget: 2048 })).toThrow(
      /must be less than maxTokens \(2048\)/,
    );
    expect(() =>
      parseAdapterConfig({ ...claude, temperature: 0, maxTokens: 4096, thinkingBudget: 2048 }),
    ).toThrow(/field temperature: Claude's extended thinking takes no temperature/);
    expect(() =>
      parseAdapterConfig({ adapter: 'anthropic', model: 'c', temperature: 1.5 }),
    ).toThrow(/field temperature: the anthropic API takes a temperature from 0 to 1, not 1.5/);
    // OpenAI-compatible servers and served models have no common thinking budget field.
    expect(
      fieldsOf({ adapter: 'openai', endpoint: 'http://x/v1', model: 'm', thinkingBudget: 100 }),
    ).toEqual(['thinkingBudget']);
    expect(fieldsOf({ profile: 'p', model: 'm', thinkingBudget: 100 }, 'serve')).toEqual([
      'thinkingBudget',
    ]);
  });

  it('sends no temperature when a submission says none (reasoning models refuse one)', () => {
    const config = parseAdapterConfig({
      adapter: 'openai',
      endpoint: 'http://x/v1',
      model: 'o4-mini',
      temperature: null,
      tokenLimitField: 'max_completion_tokens',
    });
    expect(config).toMatchObject({ temperature: null });
    expect(runSettings('openai', storedAdapterConfig(config)).generation).toEqual({
      maxTokens: 1024,
      temperature: null,
      tokenLimitField: 'max_completion_tokens',
      thinkingBudget: null,
    });
  });

  it('reads the run settings of a stored config: generation and image size', () => {
    expect(runSettings('openai', { endpoint: 'http://x/v1', model: 'm' })).toEqual({
      generation: DEFAULT_GENERATION,
      maxImageSide: null,
    });
    expect(
      runSettings('serve', { profile: 'p', model: 'm', maxTokens: 64, maxImageSide: 448 }),
    ).toEqual({ generation: { ...DEFAULT_GENERATION, maxTokens: 64 }, maxImageSide: 448 });
    expect(runSettings('predictions', { count: 3 })).toEqual({
      generation: null,
      maxImageSide: null,
    });
    expect(runSettings('openai', { model: 'm' })).toEqual({ generation: null, maxImageSide: null });
  });

  it('stores everything but the adapter, and reads it back the same', () => {
    const config = parseAdapterConfig({ adapter: 'serve', profile: 'p', model: 'm', retries: 2 });
    const stored = storedAdapterConfig(config);
    expect(stored).toEqual({ profile: 'p', model: 'm', retries: 2, ...gen });
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
      ...gen,
    });
    expect(
      requestAdapterConfig(
        SubmissionRequestSchema.parse({
          ...base,
          endpoint: 'https://api.example.com/v1',
          model: 'm',
          maxTokens: 256,
          temperature: 0.2,
          tokenLimitField: 'max_completion_tokens',
        }),
      ),
    ).toMatchObject({ maxTokens: 256, temperature: 0.2, tokenLimitField: 'max_completion_tokens' });
    expect(requestAdapterConfig({ kind: 'predictions' }, { count: 4, file: 'a.jsonl' })).toEqual({
      adapter: 'predictions',
      count: 4,
      file: 'a.jsonl',
    });
  });

  it('builds an Anthropic or Gemini config from a request, its endpoint optional', () => {
    expect(
      requestAdapterConfig(
        SubmissionRequestSchema.parse({ ...base, adapter: 'anthropic', model: 'claude-x' }),
      ),
    ).toMatchObject({ adapter: 'anthropic', endpoint: 'https://api.anthropic.com/v1' });
    expect(
      requestAdapterConfig(
        SubmissionRequestSchema.parse({
          ...base,
          adapter: 'gemini',
          endpoint: 'http://127.0.0.1:9/v1beta',
          model: 'gemini-x',
          thinkingBudget: 512,
        }),
      ),
    ).toMatchObject({
      adapter: 'gemini',
      endpoint: 'http://127.0.0.1:9/v1beta',
      thinkingBudget: 512,
    });
    // Without an adapter an endpoint is OpenAI-compatible, and it has no default URL.
    expect(() =>
      requestAdapterConfig(SubmissionRequestSchema.parse({ ...base, model: 'm' })),
    ).toThrow(/an endpoint submission \(openai\): field endpoint/);
    expect(
      SubmissionRequestSchema.safeParse({ ...base, adapter: 'cohere' }).error?.issues[0]?.message,
    ).toMatch(/unknown adapter "cohere"; choose openai, anthropic, gemini/);
    expect(() =>
      requestAdapterConfig({ kind: 'serve', adapter: 'anthropic', profile: 'p', model: 'm' }),
    ).toThrow(/field adapter: only endpoint submissions name the API they speak/);
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
    expect(issues({ maxTokens: 0 })).toEqual(['maxTokens']);
    expect(issues({ temperature: 'hot' })).toEqual(['temperature']);
    expect(issues({ tokenLimitField: 'tokens' })).toEqual(['tokenLimitField']);
  });

  it('takes an optional webhook URL, canonical, under the endpoint rules', () => {
    const parsed = SubmissionRequestSchema.parse({
      ...base,
      kind: 'serve',
      profile: 'vllm',
      model: 'm',
      webhook: '  HTTPS://Hooks.Example.org/linkboard  ',
    });
    expect(parsed.webhook).toBe('https://hooks.example.org/linkboard');
    expect(SubmissionRequestSchema.parse({ ...base, kind: 'serve' }).webhook).toBeUndefined();
    const refusal = (webhook: string) =>
      SubmissionRequestSchema.safeParse({ ...base, kind: 'serve', webhook }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(refusal('javascript:alert(1)')?.[0]).toMatch(/^webhook: .*only http and https/);
    expect(refusal('file:///etc/passwd')?.[0]).toMatch(/^webhook: .*only http and https/);
    expect(refusal('https://u:p@hooks.example.org/')?.[0]).toMatch(
      /^webhook: .*must not carry credentials/,
    );
    expect(refusal('https://hooks.example.org/x?token=1')?.[0]).toMatch(
      /^webhook: .*no query string or fragment/,
    );
    expect(refusal('')).toEqual(['webhook: a webhook URL is required']);
    expect(refusal('https://hooks.example.org/\n/x')?.[0]).toMatch(/^webhook: /);
  });

  it('refuses generation settings for uploaded predictions, naming the field', () => {
    expect(() =>
      requestAdapterConfig({ kind: 'predictions', maxTokens: 64 }, { count: 1 }),
    ).toThrow(/field maxTokens: generation settings apply to endpoint and serve submissions only/);
  });

  it('says which field a kind is missing', () => {
    const request = SubmissionRequestSchema.parse({ ...base, kind: 'serve', model: 'm' });
    expect(() => requestAdapterConfig(request)).toThrow(/field profile/);
  });
});
