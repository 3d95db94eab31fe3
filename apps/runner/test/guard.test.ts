import { describe, expect, it } from 'vitest';
import { EndpointRefusedError, forbiddenRange, pinEndpoint } from '../src/adapters/guard';

describe('endpoint guard (SSRF)', () => {
  it.each([
    ['http://127.0.0.1:8000/v1', /resolves to 127\.0\.0\.1 \(loopback\)/, 'loopback IPv4'],
    [
      'http://localhost:8000/v1',
      /resolves to (127\.0\.0\.1|::1) \(loopback\)/,
      'loopback by DNS name',
    ],
    ['http://10.1.2.3/v1', /\(private\)/, 'RFC 1918'],
    ['http://192.168.0.10/v1', /\(private\)/, 'RFC 1918'],
    ['http://172.16.5.4/v1', /\(private\)/, 'RFC 1918'],
    ['http://169.254.169.254/latest/meta-data', /\(linkLocal\)/, 'cloud metadata address'],
    [
      'http://metadata.google.internal/computeMetadata/v1',
      /is a cloud metadata service/,
      'metadata by name',
    ],
    ['http://[::1]:8000/v1', /\(loopback\)/, 'loopback IPv6'],
    ['http://[fd00::1]/v1', /\(uniqueLocal\)/, 'private IPv6'],
    ['http://[fe80::1]/v1', /\(linkLocal\)/, 'link-local IPv6'],
    ['http://[::ffff:127.0.0.1]/v1', /\(loopback\)/, 'IPv4-mapped loopback'],
    ['http://0.0.0.0:8000/v1', /\(unspecified\)/, 'the unspecified address reaches this host'],
    ['http://100.64.0.1/v1', /\(carrierGradeNat\)/, 'CGNAT'],
    ['ftp://example.com/v1', /only http and https/, 'another scheme'],
    ['http://user:pw@example.com/v1', /must not carry credentials/, 'credentials in the URL'],
  ])('refuses %s (%s)', async (url, message) => {
    const error = await pinEndpoint(url, { allowPrivate: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointRefusedError);
    expect((error as Error).message).toMatch(message);
  });

  it('allows a public address and pins it', async () => {
    const pinned = await pinEndpoint('https://93.184.215.14/v1', { allowPrivate: false });
    expect(pinned.address).toBe('93.184.215.14');
    await pinned.dispatcher.close();
  });

  it('allows private addresses only with the operator’s permission', async () => {
    const pinned = await pinEndpoint('http://localhost:8000/v1', { allowPrivate: true });
    expect(['127.0.0.1', '::1']).toContain(pinned.address);
    await pinned.dispatcher.close();
  });

  it('classifies ranges', () => {
    expect(forbiddenRange('8.8.8.8')).toBeNull();
    expect(forbiddenRange('2606:4700::1111')).toBeNull();
    expect(forbiddenRange('224.0.0.1')).toBe('multicast');
  });
});
