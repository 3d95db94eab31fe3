import type { EndpointPolicy } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { EndpointRefusedError, pinEndpoint } from '../src/adapters/guard';

const strict: EndpointPolicy = { allowPrivate: false, allowed: [], platformPorts: [3000, 54329] };
const personal: EndpointPolicy = { ...strict, allowPrivate: true };

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
    ['http://[::7f00:1]/v1', /\(ipv4Compatible\)/, 'IPv4-compatible IPv6'],
    ['http://93.184.215.14/v1?x=', /no query string/, 'a query that swallows the API path'],
  ])('refuses %s (%s)', async (url, message) => {
    const error = await pinEndpoint(url, strict).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointRefusedError);
    expect((error as Error).message).toMatch(message);
  });

  it('allows a public address and pins it', async () => {
    const pinned = await pinEndpoint('https://93.184.215.14/v1', strict);
    expect(pinned.address).toBe('93.184.215.14');
    await pinned.dispatcher.close();
  });

  it('allows private addresses only with the operator’s permission, resolving names by DNS', async () => {
    const pinned = await pinEndpoint('http://localhost:8000/v1', personal);
    expect(['127.0.0.1', '::1']).toContain(pinned.address);
    await pinned.dispatcher.close();
  });

  it('refuses at connect a name that resolves to a cloud metadata address, even with private endpoints allowed', async () => {
    // DNS as an attacker's zone answers it: AWS's IPv6 metadata address, unique-local and so
    // "private" by range, or Alibaba's, in CGNAT; a metadata address among public ones.
    const answers: Record<string, { address: string; family: number }[]> = {
      'imds.attacker.example': [{ address: 'fd00:ec2::254', family: 6 }],
      'aliyun.attacker.example': [{ address: '100.100.100.200', family: 4 }],
      'mixed.attacker.example': [
        { address: '93.184.215.14', family: 4 },
        { address: 'fd00:ec2::254', family: 6 },
      ],
    };
    const resolve = async (host: string) => answers[host] ?? [];
    for (const [url, why] of [
      [
        'http://imds.attacker.example/latest/meta-data',
        /fd00:ec2::254 \(cloudMetadata\).*cloud metadata service of AWS/,
      ],
      [
        'http://aliyun.attacker.example/latest',
        /100\.100\.100\.200 \(cloudMetadata\).*Alibaba Cloud/,
      ],
      ['http://mixed.attacker.example/v1', /fd00:ec2::254 \(cloudMetadata\)/],
    ] as const) {
      for (const policy of [personal, strict]) {
        const error = await pinEndpoint(url, policy, resolve).catch((e: unknown) => e);
        expect(error, url).toBeInstanceOf(EndpointRefusedError);
        expect((error as Error).message, url).toMatch(why);
      }
    }
    // The operator may still name it.
    const pinned = await pinEndpoint(
      'http://imds.attacker.example/v1',
      { ...personal, allowed: ['imds.attacker.example'] },
      resolve,
    );
    expect(pinned.address).toBe('fd00:ec2::254');
    await pinned.dispatcher.close();
  });

  it.each([
    ['http://169.254.169.254/', /linkLocal/],
    ['http://[fd00:ec2::254]/', /cloud metadata service of AWS/],
    ['http://100.100.100.200/', /cloud metadata service of Alibaba Cloud/],
    ['http://metadata.google.internal./', /cloud metadata service/],
    ['http://metadata.google.internal/', /cloud metadata service/],
    ['http://[::7f00:1]/', /ipv4Compatible/],
    ['http://localhost:3000/v1', /port 3000 of this platform/],
    ['http://127.0.0.1:54329/', /port 54329 of this platform/],
  ])('refuses %s even with private endpoints allowed', async (url, message) => {
    await expect(pinEndpoint(url, personal)).rejects.toThrow(message);
  });
});
