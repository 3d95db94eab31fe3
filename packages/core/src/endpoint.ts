import ipaddr from 'ipaddr.js';

/**
 * Which model endpoints a submission may name. The site checks them at submit and the runner again
 * (with the address it will connect to pinned) before every job: a submitted URL must never give
 * its submitter a way into the platform's own network. Pure: the caller passes the resolver.
 */

/** An endpoint no submission may use, with the reason in words a submitter can act on. */
export class EndpointRefusedError extends Error {
  override name = 'EndpointRefusedError';
}

export interface EndpointPolicy {
  /** Loopback, private (RFC 1918, unique-local) and CGNAT addresses: a personal install's models. */
  allowPrivate: boolean;
  /**
   * Hosts (`name`, `address`) or `host:port` the operator allowed by name: every other check is
   * skipped for them. The only way to reach link-local or metadata addresses, the platform's own
   * ports or deprecated IPv6 forms.
   */
  allowed: readonly string[];
  /** The platform's own ports (site, PostgreSQL): refused on any address that is not public. */
  platformPorts: readonly number[];
}

/** Hostnames of cloud metadata services, refused by name before any lookup. */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
  'metadata.tencentyun.com',
]);

/**
 * A host name as DNS compares it: case does not matter, and a trailing dot (the fully qualified
 * `metadata.google.internal.`) names the same host. The URL parser has already folded case,
 * percent-encoding, fullwidth letters and ideographic full stops.
 */
const dnsName = (host: string) => host.toLowerCase().replace(/\.+$/, '');

/** Whether a host name is a cloud metadata service's, in any case, with trailing dots or not. */
const isMetadataHost = (host: string) => METADATA_HOSTS.has(dnsName(host));

/**
 * Addresses of cloud metadata services (instance credentials, user data), by their canonical
 * form, with whose they are. Refused in every spelling, even where private endpoints are allowed:
 * most sit in ranges a personal install may reach (CGNAT, unique-local IPv6), one is public.
 * Link-local ones (169.254.169.254 and the rest of 169.254/16, fe80::/10) are refused as
 * link-local anyway; they are listed so that the refusal says whose they are.
 */
const METADATA_ADDRESSES = new Map<string, string>([
  ['169.254.169.254', 'most clouds (AWS, Google Cloud, Azure, Oracle Cloud, OpenStack)'],
  ['169.254.170.2', 'AWS ECS task credentials'],
  ['169.254.170.23', 'AWS EKS Pod Identity'],
  ['169.254.42.42', 'Scaleway'],
  ['100.100.100.200', 'Alibaba Cloud'], // in CGNAT 100.64/10
  ['192.0.0.192', 'Oracle Cloud, legacy'], // in 192.0.0/24 (IETF protocol assignments)
  ['168.63.129.16', 'Azure WireServer'], // public
  ['fd00:ec2::254', 'AWS'], // the unique-local ones: IPv6 metadata
  ['fd00:ec2::23', 'AWS EKS Pod Identity'],
  ['fd20:ce::254', 'Google Cloud'],
  ['fd00:c1::a9fe:a9fe', 'Oracle Cloud'],
  ['fd00:42::42', 'Scaleway'],
  ['fd00:a9fe:a9fe::1', 'Akamai (Linode)'],
]);

/** Ranges a personal install may reach when the operator allows private endpoints. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

export type AddressClass =
  | { kind: 'public' }
  | { kind: 'private'; range: string }
  | {
      kind: 'forbidden';
      range: string;
      /** Whose cloud metadata service this address (or the IPv4 address it embeds) is. */
      metadata?: string;
      /** The link-local or metadata IPv4 address an IPv6 form embeds. */
      embeds?: string;
      /** The range of the embedded address, where that is what refuses it (`linkLocal`). */
      embedsRange?: string;
    };

/**
 * The IPv4 address an IPv6 form carries for a router or translator to reach: IPv4-compatible
 * `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64 (`64:ff9b::/96`, and the local-use
 * `64:ff9b:1::/48` in its common /96 layout) in the last 32 bits; 6to4 in bits 16 to 48.
 */
function embeddedIPv4(v6: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'ipv4Compatible' || range === 'rfc6145' || range === 'rfc6052')
    return v4(p[6] as number, p[7] as number);
  if (range === '6to4') return v4(p[1] as number, p[2] as number);
  return null;
}

/**
 * Sorts an IP address into public unicast, private (allowed on a personal install) and forbidden
 * (cloud metadata addresses, whatever range they sit in; link-local, where most metadata lives;
 * unspecified, which connects to this host; multicast, reserved; and IPv6 forms that embed an
 * IPv4 address a server may route to: IPv4-compatible `::a.b.c.d`, 6to4, Teredo, NAT64).
 * IPv4-mapped IPv6 is judged as the IPv4 address it maps; an embedding form that carries a
 * metadata or link-local IPv4 address says so. ipaddr.js knows the ranges; it calls
 * IPv4-compatible addresses unicast, so those are caught here.
 */
export function classifyAddress(address: string): AddressClass {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    let bare = address.replace(/^\[|\]$/g, '');
    // The URL parser's canonical form: ipaddr.js reads `::8.8.8.8` as IPv4-mapped, which it is not.
    if (bare.includes(':')) bare = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    parsed = ipaddr.parse(bare);
  } catch {
    return { kind: 'forbidden', range: 'unparseable' };
  }
  let range: string | undefined;
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const [a, b, c, d, e, f] = v6.parts;
    if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
      if (f === 0xffff) parsed = v6.toIPv4Address();
      else if (f === 0 && !['unspecified', 'loopback'].includes(v6.range()))
        range = 'ipv4Compatible';
    }
  }
  const canonical = parsed.toString();
  const metadata = METADATA_ADDRESSES.get(canonical);
  range ??= parsed.range();
  if (metadata)
    return { kind: 'forbidden', range: range === 'linkLocal' ? range : 'cloudMetadata', metadata };
  if (parsed.kind() === 'ipv6') {
    const inner = embeddedIPv4(parsed as ipaddr.IPv6, range);
    if (inner) {
      const found = classifyAddress(inner.toString());
      if (found.kind === 'forbidden' && (found.metadata || found.range === 'linkLocal'))
        return {
          kind: 'forbidden',
          range,
          embeds: inner.toString(),
          embedsRange: found.range,
          ...(found.metadata && { metadata: found.metadata }),
        };
    }
    if (range === 'ipv4Compatible') return { kind: 'forbidden', range };
  }
  if (range === 'unicast') return { kind: 'public' };
  if (PRIVATE_RANGES.has(range)) return { kind: 'private', range };
  return { kind: 'forbidden', range };
}

/**
 * Why a forbidden address is refused even where private endpoints are allowed, naming the rule
 * (` even where private endpoints are allowed (link-local, the cloud metadata service of …)`), or
 * nothing for the other forbidden ranges, which their range names.
 */
function forbiddenBecause(found: Extract<AddressClass, { kind: 'forbidden' }>): string {
  const linkLocal = (found.embedsRange ?? found.range) === 'linkLocal';
  const service = found.metadata && `the cloud metadata service of ${found.metadata}`;
  const what =
    linkLocal && service
      ? `link-local, ${service}`
      : linkLocal
        ? 'link-local, where clouds serve instance metadata'
        : service;
  if (!what) return '';
  return ` even where private endpoints are allowed (${found.embeds ? `it embeds ${found.embeds}: ` : ''}${what})`;
}

/**
 * An endpoint as typed, for a refusal to quote: JSON-quoted (so that no character of it can break
 * the message's line), credentials masked (a refusal may be logged), long ones cut.
 */
function quotedEndpoint(endpoint: string): string {
  const masked = endpoint.replace(/^([^/?#]*\/\/)[^/?#@]*@/, '$1…@');
  return JSON.stringify(masked.length > 200 ? `${masked.slice(0, 200)}…` : masked);
}

/**
 * `host:port/path` or `host/path` typed without a scheme: the URL it was surely meant as, or null.
 * (`localhost:3402/v1` even parses, as the scheme `localhost:`, so it is read before the parser.)
 */
function withoutScheme(endpoint: string): string | null {
  if (endpoint.includes('://')) return null;
  const host = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[^\s]*)?$/.exec(endpoint);
  if (!host?.[1]) return null;
  // A host needs a port, a dot or a path to be told from a word ("abc" is no endpoint).
  if (!host[2] && !host[3] && !host[1].includes('.') && host[1] !== 'localhost') return null;
  return `http://${endpoint}`;
}

/** The URL of an endpoint, or why it cannot be one. The API path is appended to it. */
export function parseEndpointUrl(endpoint: string): URL {
  const meant = withoutScheme(endpoint);
  if (meant)
    throw new EndpointRefusedError(
      `endpoint ${quotedEndpoint(endpoint)} is not a URL: did you mean ${quotedEndpoint(meant).slice(1, -1)}? (a URL starts with http:// or https://)`,
    );
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointRefusedError(
      `endpoint ${quotedEndpoint(endpoint)} is not a URL: give one such as http://host:8000/v1`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EndpointRefusedError(
      `endpoint ${quotedEndpoint(endpoint)}: only http and https are allowed (a URL such as http://host:8000/v1)`,
    );
  if (url.username || url.password)
    throw new EndpointRefusedError('endpoint URLs must not carry credentials; use an API key');
  // `/v1?x=` would swallow the `/chat/completions` appended to it and reach another path.
  if (url.search || url.hash || endpoint.includes('?') || endpoint.includes('#'))
    throw new EndpointRefusedError(
      `endpoint ${url.origin}${url.pathname}: no query string or fragment (the API path is appended to the URL)`,
    );
  return url;
}

const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** Whether the operator allowed this endpoint by name (`host` or `host:port`; `a.b.` is `a.b`). */
function namedByOperator(url: URL, policy: EndpointPolicy): boolean {
  const host = dnsName(url.hostname);
  const withPort = `${host}:${portOf(url)}`;
  return policy.allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    return dnsName(e) === host || e === withPort;
  });
}

const ALLOW_HINT =
  'name it in LINKBOARD_ALLOWED_ENDPOINTS (host or host:port) if the operator means it';

/**
 * Why the endpoint may not be called at these addresses (every address a name resolves to is
 * judged), or null when it may.
 */
export function endpointRefusal(
  url: URL,
  addresses: readonly string[],
  policy: EndpointPolicy,
): string | null {
  if (namedByOperator(url, policy)) return null;
  if (isMetadataHost(url.hostname))
    return `endpoint ${url.host} is a cloud metadata service, refused even where private endpoints are allowed; ${ALLOW_HINT}`;
  if (addresses.length === 0) return `endpoint ${url.host} resolves to no address`;
  const port = portOf(url);
  for (const address of addresses) {
    const found = classifyAddress(address);
    if (found.kind === 'forbidden')
      return `endpoint ${url.host} resolves to ${address} (${found.range}), which no submission may reach${forbiddenBecause(found)}; ${ALLOW_HINT}`;
    if (found.kind === 'private' && policy.platformPorts.includes(port))
      return `endpoint ${url.host} is port ${port} of this platform's own network (its site or database); ${ALLOW_HINT}`;
    if (found.kind === 'private' && !policy.allowPrivate)
      return `endpoint ${url.host} resolves to ${address} (${found.range}); private and loopback endpoints are refused here (LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=1 allows them)`;
  }
  return null;
}

/**
 * Checks an endpoint: its URL, then every address its host resolves to (`resolve` is given the
 * hostname; an IP literal is not looked up). Throws EndpointRefusedError, or returns the URL and
 * the addresses, the first of which is the one to connect to.
 */
export async function checkEndpoint(
  endpoint: string,
  policy: EndpointPolicy,
  resolve: (host: string) => Promise<{ address: string; family: number }[]>,
): Promise<{ url: URL; addresses: { address: string; family: 4 | 6 }[] }> {
  const url = parseEndpointUrl(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else if (isMetadataHost(host) && !namedByOperator(url, policy))
    addresses = []; // refused below by name, without asking DNS about it
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new EndpointRefusedError(
        `endpoint ${url.host} cannot be resolved (${(error as { code?: string }).code ?? 'DNS error'})`,
      );
    }
  }
  const refusal = endpointRefusal(
    url,
    addresses.map((a) => a.address),
    policy,
  );
  if (refusal) throw new EndpointRefusedError(refusal);
  return {
    url,
    addresses: addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })),
  };
}

/** Whether a listen address is loopback only (a personal install: nobody else reaches the site). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return ipaddr.isValid(h) && ipaddr.process(h).range() === 'loopback';
}

/**
 * `host:port` of a site listening on `host`, as a browser on the same machine reaches it: a
 * wildcard listen address (all interfaces) is reached on 127.0.0.1, an IPv6 address in brackets.
 */
export function localAuthority(host: string, port: number): string {
  const reachable = ['0.0.0.0', '::', '[::]'].includes(host)
    ? '127.0.0.1'
    : host.includes(':') && !host.startsWith('[')
      ? `[${host}]`
      : host;
  return `${reachable}:${port}`;
}

/**
 * The policy of a platform from its settings. Private endpoints: as the operator set it, or by
 * default only while the site listens on loopback alone (`defaultAllowPrivate` lets a runner that
 * shares a database with other hosts default to refusing them).
 */
export function endpointPolicy(settings: {
  allowPrivate?: '0' | '1';
  defaultAllowPrivate: boolean;
  allowed?: string;
  sitePort: number;
  databaseUrl?: string;
  embeddedDatabasePort?: number;
}): EndpointPolicy {
  const databasePort = settings.databaseUrl
    ? Number(new URL(settings.databaseUrl).port || 5432)
    : settings.embeddedDatabasePort;
  return {
    allowPrivate:
      settings.allowPrivate === undefined
        ? settings.defaultAllowPrivate
        : settings.allowPrivate === '1',
    allowed: (settings.allowed ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    platformPorts: [settings.sitePort, ...(databasePort ? [databasePort] : [])],
  };
}
