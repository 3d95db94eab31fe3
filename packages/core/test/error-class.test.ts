import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES, errorMeaning, isRetryable } from '../src';

describe('error classes', () => {
  it('retries what an endpoint or runner may recover from, never a refusal', () => {
    expect(isRetryable('timeout')).toBe(true);
    expect(isRetryable('server-error')).toBe(true);
    expect(isRetryable('client-error')).toBe(false);
    expect(isRetryable('endpoint-refused')).toBe(false);
    expect(isRetryable('something-new')).toBe(false);
    expect(isRetryable('toString')).toBe(false);
  });

  it('says what each class means; an unknown one has no meaning', () => {
    for (const name of Object.keys(ERROR_CLASSES)) expect(errorMeaning(name)).toMatch(/\w{4}/);
    expect(errorMeaning('constructor')).toBeNull();
  });
});
