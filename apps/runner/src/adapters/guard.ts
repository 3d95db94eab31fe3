import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/** An endpoint the runner must not call: a private, loopback, link-local or metadata address. */
export class EndpointRefusedError extends Error {
  override name = 'EndpointRefusedError';
}

/** Hostnames of cloud metadata services, refused by name before any lookup. */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata',
  'instance-data',
  'metadata.azure.com',
]);

/**
 * Why an address may not be called from a shared runner, or null when it is public. ipaddr.js
 * classifies the ranges (RFC 1918, loopback, link-local — where 169.254.169.254, the metadata
 * service of most clouds, lives — unique-local, CGNAT, multicast, reserved, IPv4-mapped IPv6).
 */
export function forbiddenRange(address: string): string | null {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

export interface PinnedEndpoint {
  url: URL;
  /** The address every request goes to: resolved once, so a later DNS answer cannot redirect us. */
  address: string;
  family: 4 | 6;
  /** An undici dispatcher that connects only to `address` (TLS still checks the hostname). */
  dispatcher: Agent;
}

/**
 * Checks an endpoint URL and pins its address. Without the operator's permission
 * (LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=1) anything but a public unicast address is refused, whether
 * given as an IP, or as a name that resolves to one (every resolved address is checked).
 */
export async function pinEndpoint(
  endpoint: string,
  options: { allowPrivate: boolean },
): Promise<PinnedEndpoint> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointRefusedError(`endpoint "${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointRefusedError(`endpoint ${url.origin}: only http and https are allowed`);
  }
  if (url.username || url.password)
    throw new EndpointRefusedError('endpoint URLs must not carry credentials; use an API key');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && METADATA_HOSTS.has(host.toLowerCase())) {
    throw new EndpointRefusedError(`endpoint ${url.host} is a cloud metadata service`);
  }
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      throw new EndpointRefusedError(
        `endpoint ${url.host} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`,
      );
    }
  }
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const range = forbiddenRange(address);
      if (range) {
        throw new EndpointRefusedError(
          `endpoint ${url.host} resolves to ${address} (${range}); private, loopback, link-local and metadata addresses need LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=1`,
        );
      }
    }
  }
  const [first] = addresses;
  if (!first) throw new EndpointRefusedError(`endpoint ${url.host} resolves to no address`);
  const family = first.family === 6 ? 6 : 4;
  const dispatcher = new Agent({
    connect: {
      // Node asks for one address or, with `all`, a list; either way it gets the pinned one.
      lookup: ((
        _hostname: string,
        opts: { all?: boolean },
        callback: (...args: unknown[]) => void,
      ) => {
        if (opts?.all) callback(null, [{ address: first.address, family }]);
        else callback(null, first.address, family);
      }) as never,
    },
  });
  return { url, address: first.address, family, dispatcher };
}
