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
    'imds.example.com': ['fd00:ec2::254'],
    'alibaba.example.com': ['100.100.100.200'],
    'mapped.example.com': ['::ffff:169.254.170.2'],
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

describe('parseEndpointUrl: a malformed endpoint is quoted as typed, with what to do', () => {
  const message = (endpoint: string) => {
    try {
      parseEndpointUrl(endpoint);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it.each([
    // A scheme that is not http's: the URL's origin is "null", which the message used to print.
    ['htp://x', 'endpoint "htp://x": only http and https are allowed'],
    ['ftp://example.com/v1', 'endpoint "ftp://example.com/v1": only http and https are allowed'],
    // Credentials are masked in the quote: a refusal may be logged.
    ['htp://me:secret@x/v1', 'endpoint "htp://…@x/v1": only http and https are allowed'],
  ])('%s', (endpoint, start) => {
    const said = message(endpoint);
    expect(said?.startsWith(start), String(said)).toBe(true);
    expect(said).not.toContain('null');
  });

  it.each([
    // Parses as the scheme "localhost:": read as a missing http:// instead.
    ['localhost:3402/v1', 'http://localhost:3402/v1'],
    ['127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['vllm.lan/v1', 'http://vllm.lan/v1'],
    ['[::1]:8000/v1', 'http://[::1]:8000/v1'],
  ])('%s is not a URL, and the message says which it meant', (endpoint, meant) => {
    expect(message(endpoint)).toBe(
      `endpoint "${endpoint}" is not a URL: did you mean ${meant}? (a URL starts with http:// or https://)`,
    );
  });

  it('quotes what is no URL at all, and accepts http and https', () => {
    expect(message('not a url')).toMatch(/^endpoint "not a url" is not a URL: give one such as /);
    expect(message('http://localhost:3402/v1')).toBeNull();
    expect(message('https://api.example.com/v1')).toBeNull();
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

describe('cloud metadata and link-local addresses, in every spelling', () => {
  const LINK_LOCAL =
    /\(linkLocal\), which no submission may reach even where private endpoints are allowed \(link-local/;
  const metadataOf = (service: string) =>
    new RegExp(
      `which no submission may reach even where private endpoints are allowed \\(.*the cloud metadata service of ${service}`,
    );
  const BY_NAME = /is a cloud metadata service, refused even where private endpoints are allowed/;
  // [endpoint, what it is, the refusal]; each is refused with private endpoints allowed and not.
  it.each([
    ['http://169.254.169.254/latest/meta-data', 'the metadata address of most clouds', LINK_LOCAL],
    ['http://2852039166/', 'as one decimal number', metadataOf('most clouds')],
    ['http://0251.0376.0251.0376/', 'in octal', metadataOf('most clouds')],
    ['http://0xa9.0xfe.0xa9.0xfe/', 'in hex', metadataOf('most clouds')],
    ['http://0xa9fea9fe/', 'as one hex number', metadataOf('most clouds')],
    ['http://169.254.43518/', 'in three parts', metadataOf('most clouds')],
    ['http://169.254.169.254./', 'with a trailing dot', metadataOf('most clouds')],
    ['http://169.254.170.2/v2/credentials', 'AWS ECS task credentials', metadataOf('AWS ECS')],
    ['http://169.254.170.23/', 'AWS EKS Pod Identity', metadataOf('AWS EKS Pod Identity')],
    ['http://169.254.1.1/', 'any other link-local IPv4', LINK_LOCAL],
    ['http://[fe80::a9fe:a9fe]/', 'IPv6 link-local', LINK_LOCAL],
    ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped, dotted', metadataOf('most clouds')],
    ['http://[::ffff:a9fe:a9fe]/', 'IPv4-mapped, hex', LINK_LOCAL],
    [
      'http://[::a9fe:a9fe]/',
      'IPv4-compatible',
      /\(ipv4Compatible\), which no submission may reach even where private endpoints are allowed \(it embeds 169\.254\.169\.254: link-local, the cloud metadata service/,
    ],
    [
      'http://[::ffff:0:a9fe:a9fe]/',
      'IPv4-translated',
      /\(rfc6145\).*it embeds 169\.254\.169\.254/,
    ],
    ['http://[64:ff9b::a9fe:a9fe]/', 'NAT64', /\(rfc6052\).*it embeds 169\.254\.169\.254/],
    [
      'http://[64:ff9b:1::6464:64c8]/',
      'local-use NAT64 of Alibaba’s',
      /\(rfc6052\).*it embeds 100\.100\.100\.200: the cloud metadata service of Alibaba/,
    ],
    ['http://[2002:a9fe:a9fe::]/', '6to4', /\(6to4\).*it embeds 169\.254\.169\.254/],
    ['http://[fd00:ec2::254]/latest/meta-data', 'AWS over IPv6', metadataOf('AWS')],
    ['http://[FD00:0EC2:0:0:0:0:0:0254]/', 'AWS over IPv6, long and upper case', metadataOf('AWS')],
    ['http://[fd00:ec2::23]/', 'AWS EKS Pod Identity over IPv6', metadataOf('AWS EKS')],
    ['http://[fd20:ce::254]/', 'Google Cloud over IPv6', metadataOf('Google Cloud')],
    ['http://[fd00:c1::a9fe:a9fe]/', 'Oracle Cloud over IPv6', metadataOf('Oracle Cloud')],
    ['http://[fd00:42::42]/', 'Scaleway over IPv6', metadataOf('Scaleway')],
    ['http://[fd00:a9fe:a9fe::1]/', 'Akamai over IPv6', metadataOf('Akamai')],
    [
      'http://100.100.100.200/latest/meta-data',
      'Alibaba Cloud (in CGNAT)',
      metadataOf('Alibaba Cloud'),
    ],
    ['http://0x64.0x64.0x64.0xc8/', 'Alibaba Cloud in hex', metadataOf('Alibaba Cloud')],
    ['http://0144.0144.0144.0310/', 'Alibaba Cloud in octal', metadataOf('Alibaba Cloud')],
    ['http://1684301000/', 'Alibaba Cloud as one number', metadataOf('Alibaba Cloud')],
    ['http://100.100.25800/', 'Alibaba Cloud in three parts', metadataOf('Alibaba Cloud')],
    ['http://100.100.100.200./', 'Alibaba Cloud with a trailing dot', metadataOf('Alibaba Cloud')],
    ['http://[::ffff:100.100.100.200]/', 'Alibaba Cloud IPv4-mapped', metadataOf('Alibaba Cloud')],
    [
      'http://[::6464:64c8]/',
      'Alibaba Cloud IPv4-compatible',
      /\(ipv4Compatible\).*it embeds 100\.100\.100\.200/,
    ],
    ['http://192.0.0.192/', 'Oracle Cloud’s legacy address', metadataOf('Oracle Cloud, legacy')],
    ['http://0300.0.0.0300/', 'Oracle Cloud’s legacy address in octal', metadataOf('Oracle')],
    ['http://168.63.129.16/', 'Azure WireServer, a public address', metadataOf('Azure WireServer')],
    ['http://metadata.google.internal./computeMetadata/v1', 'a name with a trailing dot', BY_NAME],
    ['http://METADATA.GOOGLE.INTERNAL/', 'a name in capitals', BY_NAME],
    ['http://Metadata.Google.Internal../', 'a name with two trailing dots', BY_NAME],
    ['http://metadata%2Egoogle%2Einternal/', 'a name percent-encoded', BY_NAME],
    ['http://metadata\u3002google\u3002internal/', 'a name with ideographic full stops', BY_NAME],
    [
      'http://\uFF4D\uFF45\uFF54\uFF41\uFF44\uFF41\uFF54\uFF41.google.internal/',
      'a name in fullwidth letters',
      BY_NAME,
    ],
    ['http://instance-data./latest', 'AWS’s name, fully qualified', BY_NAME],
    ['http://metadata./', 'the short name, fully qualified', BY_NAME],
    [
      'http://imds.example.com/v1',
      'a name that resolves to AWS’s IPv6 metadata',
      metadataOf('AWS'),
    ],
    ['http://alibaba.example.com/v1', 'a name that resolves to Alibaba’s', metadataOf('Alibaba')],
    [
      'http://mapped.example.com/v1',
      'a name that resolves to a mapped link-local',
      metadataOf('AWS ECS'),
    ],
  ])('refuses %s (%s)', async (endpoint, _what, why) => {
    for (const policy of [personal, shared]) {
      const message = await refusal(endpoint, policy);
      expect(message, `allowPrivate: ${policy.allowPrivate}`).toMatch(why);
      expect(message).toMatch(/cloud metadata|link-local/);
    }
  });

  it('classifies the metadata addresses apart from their private neighbours', () => {
    expect(classifyAddress('100.100.100.200')).toEqual({
      kind: 'forbidden',
      range: 'cloudMetadata',
      metadata: 'Alibaba Cloud',
    });
    expect(classifyAddress('fd00:ec2::254')).toMatchObject({
      kind: 'forbidden',
      range: 'cloudMetadata',
    });
    expect(classifyAddress('::ffff:6464:64c8')).toMatchObject({
      kind: 'forbidden',
      range: 'cloudMetadata',
    });
    expect(classifyAddress('169.254.169.254')).toMatchObject({
      kind: 'forbidden',
      range: 'linkLocal',
    });
    expect(classifyAddress('100.100.100.199')).toEqual({
      kind: 'private',
      range: 'carrierGradeNat',
    });
    expect(classifyAddress('fd00:ec2::253')).toEqual({ kind: 'private', range: 'uniqueLocal' });
    expect(classifyAddress('192.0.0.8').kind).toBe('forbidden');
    expect(classifyAddress('168.63.129.17')).toEqual({ kind: 'public' });
  });

  it('lets private neighbours of metadata addresses through where private endpoints are allowed', async () => {
    for (const endpoint of [
      'http://100.100.100.199/v1',
      'http://[fd00:ec2::253]/v1',
      'http://[fd00:ec2::1]:8000/v1',
    ]) {
      expect(await refusal(endpoint, personal), endpoint).toBeNull();
      expect(await refusal(endpoint, shared), endpoint).toMatch(
        /private and loopback endpoints are refused/,
      );
    }
  });

  it('lets the operator name a metadata address or name, as any other', async () => {
    const named: EndpointPolicy = {
      ...shared,
      allowed: [
        '100.100.100.200',
        '[fd00:ec2::254]',
        'metadata.google.internal',
        '168.63.129.16:80',
      ],
    };
    expect(await refusal('http://100.100.100.200/latest', named)).toBeNull();
    expect(await refusal('http://0x64.0x64.0x64.0xc8/latest', named)).toBeNull();
    expect(await refusal('http://[fd00:ec2::254]/latest', named)).toBeNull();
    expect(await refusal('http://168.63.129.16/', named)).toBeNull();
    expect(await refusal('http://168.63.129.16:32526/', named)).toMatch(/Azure WireServer/);
    const byName = await checkEndpoint('http://metadata.google.internal./v1', named, async () => [
      { address: '169.254.169.254', family: 4 },
    ]);
    expect(byName.addresses).toEqual([{ address: '169.254.169.254', family: 4 }]);
    expect(await refusal('http://[fd00:ec2::23]/', named)).toMatch(/AWS EKS/);
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
