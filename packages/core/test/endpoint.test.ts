import { describe, expect, it } from 'vitest';
import {
  checkEndpoint,
  classifyAddress,
  type EndpointPolicy,
  EndpointRefusedError,
  endpointPolicy,
  isLoopbackHost,
  localAuthority,
  parseEndpointUrl,
} from '../src';

const personal: EndpointPolicy = { allowPrivate: true, allowed: [], platformPorts: [3000, 54329] };
const shared: EndpointPolicy = { ...personal, allowPrivate: false };

/** A resolver that knows a few names, as DNS would answer them. */
const resolve = async (host: string) => {
  const known: Record<string, string[]> = {
    localhost: ['127.0.0.1', '::1'],
    'api.example.com': ['93.184.216.34'],
    'rebind.example.com': ['93.184.216.34', '169.254.169.254'],
    'vllm.lan': ['192.168.1.20'],
  };
  const addresses = known[host];
  if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const refusal = (endpoint: string, policy: EndpointPolicy) =>
  checkEndpoint(endpoint, policy, resolve).then(
    () => null,
    (error: unknown) => {
      if (!(error instanceof EndpointRefusedError)) throw error;
      return error.message;
    },
  );

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public', 'a public unicast address'],
    ['2606:4700::1111', 'public', 'public IPv6'],
    ['127.0.0.1', 'private', 'loopback: a local vLLM on a personal install'],
    ['127.1.2.3', 'private', 'all of 127/8 is loopback'],
    ['::1', 'private', 'IPv6 loopback'],
    ['10.1.2.3', 'private', 'RFC 1918'],
    ['192.168.1.20', 'private', 'RFC 1918'],
    ['fd00::1', 'private', 'unique-local IPv6'],
    ['100.64.0.1', 'private', 'CGNAT'],
    ['::ffff:127.0.0.1', 'private', 'IPv4-mapped IPv6 is judged as the IPv4 it maps'],
    ['169.254.169.254', 'forbidden', 'link-local: the metadata service of most clouds'],
    ['fe80::1', 'forbidden', 'IPv6 link-local'],
    ['0.0.0.0', 'forbidden', 'unspecified: connecting to it reaches this host'],
    ['::', 'forbidden', 'IPv6 unspecified'],
    ['::7f00:1', 'forbidden', 'IPv4-compatible IPv6 (deprecated), here 127.0.0.1'],
    ['::a9fe:a9fe', 'forbidden', 'IPv4-compatible 169.254.169.254'],
    ['::8.8.8.8', 'forbidden', 'IPv4-compatible, even of a public address'],
    ['64:ff9b::7f00:1', 'forbidden', 'NAT64 embeds an IPv4 address'],
    ['2002:7f00:1::', 'forbidden', '6to4 embeds an IPv4 address'],
    ['2001::1', 'forbidden', 'Teredo'],
    ['fec0::1', 'forbidden', 'deprecated site-local'],
    ['224.0.0.1', 'forbidden', 'multicast'],
    ['255.255.255.255', 'forbidden', 'broadcast'],
    ['240.0.0.1', 'forbidden', 'reserved'],
    ['not-an-ip', 'forbidden', 'anything unreadable'],
  ])('%s is %s (%s)', (address, kind) => {
    expect(classifyAddress(address).kind).toBe(kind);
  });
});

describe('checkEndpoint', () => {
  it.each([
    ['http://169.254.169.254/', /169\.254\.169\.254 \(linkLocal\), which no submission may reach/],
    ['http://metadata.google.internal/', /is a cloud metadata service/],
    ['http://METADATA.google.internal./v1', /is a cloud metadata service|cannot be resolved/],
    ['http://[::7f00:1]/', /\(ipv4Compatible\)/],
    ['http://[::127.0.0.1]:8000/v1', /\(ipv4Compatible\)/],
    ['http://0.0.0.0:8000/v1', /\(unspecified\)/],
    ['http://127.0.0.1:3000/v1', /port 3000 of this platform's own network/],
    ['http://localhost:54329/v1', /port 54329 of this platform's own network/],
    ['http://rebind.example.com/v1', /169\.254\.169\.254/],
    ['http://127.0.0.1:8000/internal/admin?x=', /no query string or fragment/],
    ['http://127.0.0.1:8000/v1#x', /no query string or fragment/],
    ['http://u:p@api.example.com/v1', /must not carry credentials/],
    ['file:///etc/passwd', /only http and https/],
    ['http://nowhere.invalid/v1', /cannot be resolved \(ENOTFOUND\)/],
  ])('refuses %s even where private endpoints are allowed', async (endpoint, why) => {
    expect(await refusal(endpoint, personal)).toMatch(why);
  });

  it('allows loopback and private models on a personal install, and refuses them elsewhere', async () => {
    for (const endpoint of [
      'http://127.0.0.1:8000/v1',
      'http://localhost:8000/v1',
      'http://vllm.lan:8000/v1',
    ]) {
      expect(await refusal(endpoint, personal)).toBeNull();
      expect(await refusal(endpoint, shared)).toMatch(/private and loopback endpoints are refused/);
    }
    expect(await refusal('https://api.example.com/v1', shared)).toBeNull();
  });

  it('lets the operator name what the rules refuse, and only that', async () => {
    const named: EndpointPolicy = {
      ...shared,
      allowed: ['169.254.169.254', 'localhost:3000', '[::7f00:1]'],
    };
    expect(await refusal('http://169.254.169.254/latest', named)).toBeNull();
    expect(await refusal('http://localhost:3000/v1', named)).toBeNull();
    expect(await refusal('http://[::7f00:1]/v1', named)).toBeNull();
    expect(await refusal('http://localhost:8000/v1', named)).toMatch(/private and loopback/);
  });

  it('returns the addresses to pin, the first to connect to', async () => {
    const { url, addresses } = await checkEndpoint('http://localhost:8000/v1', personal, resolve);
    expect(url.href).toBe('http://localhost:8000/v1');
    expect(addresses).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  });
});

describe('endpointPolicy', () => {
  it('defaults private endpoints as told, lets an explicit setting win, and lists the platform ports', () => {
    const base = { sitePort: 3000, embeddedDatabasePort: 54329 };
    expect(endpointPolicy({ ...base, defaultAllowPrivate: true }).allowPrivate).toBe(true);
    expect(endpointPolicy({ ...base, defaultAllowPrivate: false }).allowPrivate).toBe(false);
    expect(
      endpointPolicy({ ...base, defaultAllowPrivate: true, allowPrivate: '0' }).allowPrivate,
    ).toBe(false);
    expect(
      endpointPolicy({ ...base, defaultAllowPrivate: false, allowPrivate: '1' }).allowPrivate,
    ).toBe(true);
    expect(endpointPolicy({ ...base, defaultAllowPrivate: true }).platformPorts).toEqual([
      3000, 54329,
    ]);
    const external = endpointPolicy({
      sitePort: 8080,
      databaseUrl: 'postgres://u:p@db.internal/linkboard',
      defaultAllowPrivate: false,
      allowed: ' 10.0.0.5:8000 ,, vllm.lan ',
    });
    expect(external.platformPorts).toEqual([8080, 5432]);
    expect(external.allowed).toEqual(['10.0.0.5:8000', 'vllm.lan']);
  });

  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['example.com', false],
  ])('a site listening on %s is on loopback alone: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1:3000'],
    ['0.0.0.0', '127.0.0.1:3000'],
    ['::', '127.0.0.1:3000'],
    ['[::]', '127.0.0.1:3000'],
    ['::1', '[::1]:3000'],
    ['[::1]', '[::1]:3000'],
    ['localhost', 'localhost:3000'],
    ['site.example', 'site.example:3000'],
  ])('reaches a site listening on %s at %s', (host, authority) => {
    expect(localAuthority(host, 3000)).toBe(authority);
  });

  it('parses an endpoint URL without touching its path', () => {
    expect(parseEndpointUrl('https://api.example.com/openai/v1').pathname).toBe('/openai/v1');
  });
});
