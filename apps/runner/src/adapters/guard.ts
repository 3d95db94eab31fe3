import { lookup } from 'node:dns/promises';
import { checkEndpoint, type EndpointPolicy, EndpointRefusedError } from '@linkboard/core';
import { Agent } from 'undici';

export { EndpointRefusedError };

export interface PinnedEndpoint {
  url: URL;
  /** The address every request goes to: resolved once, so a later DNS answer cannot redirect us. */
  address: string;
  family: 4 | 6;
  /** An undici dispatcher that connects only to `address` (TLS still checks the hostname). */
  dispatcher: Agent;
}

/** The system resolver, every address of a name (all are judged, not just the first). */
export const resolveHost = (host: string) => lookup(host, { all: true, verbatim: true });

/**
 * Checks an endpoint URL against the platform's policy (core's `checkEndpoint`: address classes,
 * cloud metadata names and addresses, the platform's own ports, operator-named exceptions) and
 * pins the address it resolved to, so that the connection goes where the check looked.
 */
export async function pinEndpoint(
  endpoint: string,
  policy: EndpointPolicy,
  /** The resolver, the system's unless a test stands in for DNS. */
  resolve: typeof resolveHost = resolveHost,
): Promise<PinnedEndpoint> {
  const { url, addresses } = await checkEndpoint(endpoint, policy, resolve);
  const [first] = addresses;
  if (!first) throw new EndpointRefusedError(`endpoint ${url.host} resolves to no address`);
  const { address, family } = first;
  const dispatcher = new Agent({
    connect: {
      // Node asks for one address or, with `all`, a list; either way it gets the pinned one.
      lookup: ((
        _hostname: string,
        opts: { all?: boolean },
        callback: (...args: unknown[]) => void,
      ) => {
        if (opts?.all) callback(null, [{ address, family }]);
        else callback(null, address, family);
      }) as never,
    },
  });
  return { url, address, family, dispatcher };
}
