import { describe, expect, it } from 'vitest';
import { keyState } from '../../src/components/api-key-table';

describe('keyState', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  it('says revoked for a disabled key, whatever its expiry', () => {
    expect(keyState({ enabled: false, expiresAt: null }, now)).toBe('revoked');
    expect(keyState({ enabled: false, expiresAt: '2027-01-01T00:00:00Z' }, now)).toBe('revoked');
  });
  it('says expired once the expiry has passed (a date or its JSON text), active before', () => {
    expect(keyState({ enabled: true, expiresAt: '2026-12-06T11:59:59Z' }, now)).toBe('expired');
    expect(keyState({ enabled: true, expiresAt: new Date('2026-12-06T12:00:00Z') }, now)).toBe(
      'expired',
    );
    expect(keyState({ enabled: true, expiresAt: '2026-12-06T12:00:01Z' }, now)).toBe('active');
    expect(keyState({ enabled: true, expiresAt: null }, now)).toBe('active');
  });
});
