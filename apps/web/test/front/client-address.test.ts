import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ADDRESS_HEADER,
  clientAddress,
  stampClientAddress,
  trustedProxies,
} from '../../src/front/client-address';

describe('clientAddress', () => {
  it('ignores X-Forwarded-For unless the operator names the proxy', () => {
    for (let i = 0; i < 5; i++)
      expect(clientAddress('198.51.100.7', `203.0.113.${i}`, null)).toBe('198.51.100.7');
    const proxies = trustedProxies(['10.0.0.5']);
    expect(clientAddress('198.51.100.7', '203.0.113.1', proxies)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:198.51.100.7', '203.0.113.1', proxies)).toBe('198.51.100.7');
  });

  it('walks the chain from a trusted proxy past the trusted hops only', () => {
    const proxies = trustedProxies(['10.0.0.0/24', '2001:db8::/32']);
    // The client wrote the leftmost entry itself; the proxies appended the rest.
    expect(clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.5', '203.0.113.9, 10.0.0.7', proxies)).toBe('203.0.113.9');
    expect(clientAddress('2001:db8::1', ['203.0.113.9', '2001:db8::2'], proxies)).toBe(
      '203.0.113.9',
    );
    expect(clientAddress('10.0.0.5', 'nonsense, 10.0.0.7', proxies)).toBe('10.0.0.7');
    expect(clientAddress('10.0.0.5', undefined, proxies)).toBe('10.0.0.5');
  });

  it('refuses a proxy entry that is not an address or range, naming it', () => {
    expect(() => trustedProxies(['10.0.0.1', 'proxy.example'])).toThrow(
      /"proxy\.example" is not an IP address or CIDR range/,
    );
    expect(() => trustedProxies(['10.0.0.0/33'])).toThrow(/"10\.0\.0\.0\/33"/);
  });
});

describe('stampClientAddress', () => {
  it('replaces whatever the client sent in the header', () => {
    const req = {
      socket: { remoteAddress: '198.51.100.7' },
      headers: { [CLIENT_ADDRESS_HEADER]: '203.0.113.1', 'x-forwarded-for': '203.0.113.2' },
    } as unknown as IncomingMessage;
    stampClientAddress(req, null);
    expect(req.headers[CLIENT_ADDRESS_HEADER]).toBe('198.51.100.7');
  });
});
