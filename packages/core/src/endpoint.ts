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

/** Ranges a personal install may reach when the operator allows private endpoints. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

export type AddressClass =
  | { kind: 'public' }
  | { kind: 'private'; range: string }
  | { kind: 'forbidden'; range: string };

/**
 * Sorts an IP address into public unicast, private (allowed on a personal install) and forbidden
 * (link-local, where cloud metadata lives; unspecified, which connects to this host; multicast,
 * reserved; and IPv6 forms that embed an IPv4 address a server may route to: IPv4-compatible
 * `::a.b.c.d`, 6to4, Teredo, NAT64). IPv4-mapped IPv6 is judged as the IPv4 address it maps.
 * ipaddr.js knows the ranges; it calls IPv4-compatible addresses unicast, so those are caught here.
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
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const [a, b, c, d, e, f] = v6.parts;
    if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
      if (f === 0xffff) parsed = v6.toIPv4Address();
      else if (f === 0 && !['unspecified', 'loopback'].includes(v6.range()))
        return { kind: 'forbidden', range: 'ipv4Compatible' };
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return { kind: 'public' };
  if (PRIVATE_RANGES.has(range)) return { kind: 'private', range };
  return { kind: 'forbidden', range };
}

/** The URL of an endpoint, or why it cannot be one. The API path is appended to it. */
export function parseEndpointUrl(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointRefusedError(`endpoint "${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EndpointRefusedError(`endpoint ${url.origin}: only http and https are allowed`);
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

/** Whether the operator allowed this endpoint by name (`host` or `host:port`). */
function namedByOperator(url: URL, policy: EndpointPolicy): boolean {
  const host = url.hostname.toLowerCase();
  const withPort = `${host}:${portOf(url)}`;
  return policy.allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    return e === host || e === withPort;
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
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host))
    return `endpoint ${url.host} is a cloud metadata service; ${ALLOW_HINT}`;
  if (addresses.length === 0) return `endpoint ${url.host} resolves to no address`;
  const port = portOf(url);
  for (const address of addresses) {
    const found = classifyAddress(address);
    if (found.kind === 'forbidden')
      return `endpoint ${url.host} resolves to ${address} (${found.range}), which no submission may reach; ${ALLOW_HINT}`;
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
  else if (METADATA_HOSTS.has(host.toLowerCase()) && !namedByOperator(url, policy))
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
