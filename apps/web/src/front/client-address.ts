import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The header through which this server tells the site (better-auth's rate limits and session
 * records) who is asking. It is set on every request, over whatever a client sent in it.
 */
export const CLIENT_ADDRESS_HEADER = 'x-linkboard-client-address';

/** `::ffff:192.0.2.1`, as Node gives a dual-stack socket's IPv4 peer, is 192.0.2.1. */
const unmapped = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The operator's proxies (LINKBOARD_TRUSTED_PROXIES): addresses or CIDR ranges. Throws naming an
 * entry that is neither.
 */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      !family ||
      extra !== undefined ||
      (bits !== null &&
        !(Number.isInteger(bits) && bits >= 0 && bits <= max && /^\d+$/.test(prefix as string)))
    )
      throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

const trusts = (proxies: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/**
 * Who sent a request: the socket's peer, unless that peer is one of the operator's proxies; then
 * the X-Forwarded-For chain is walked from the right (the hop nearest this server) past the
 * trusted proxies, and the first address they did not add is the client. Without trusted proxies
 * the header is ignored: anyone can send it, one value per request, and rate limits keyed on it
 * would count nothing.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  proxies: BlockList | null,
): string | null {
  if (!socketAddress) return null;
  let client = unmapped(socketAddress);
  if (!proxies || !trusts(proxies, client)) return client;
  const hops = [forwardedFor ?? []]
    .flat()
    .join(',')
    .split(',')
    .map((hop) => unmapped(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // A malformed hop was written by whoever is left of the last proxy we trust: stop there.
    if (!isIP(hop)) return client;
    client = hop;
    if (!trusts(proxies, hop)) return hop;
  }
  return client;
}

/** Sets the request's client address header, replacing whatever the client put there. */
export function stampClientAddress(req: IncomingMessage, proxies: BlockList | null): void {
  delete req.headers[CLIENT_ADDRESS_HEADER];
  const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], proxies);
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
}
