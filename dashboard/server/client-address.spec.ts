// Who TRUST_PROXY believes: the same forms Fastify's trustProxy takes (nobody, everyone, a hop count,
// addresses and CIDRs), checked on the client address a request with X-Forwarded-For resolves to.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxyFromConfig } from './client-address.ts';

const request = (peer: string, forwardedFor: string) =>
  ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;
const clientOf = (trustProxy: string | undefined, peer = '10.0.0.2', forwardedFor = '198.51.100.7, 10.0.0.9') =>
  clientAddress(request(peer, forwardedFor), trustedProxyFromConfig(trustProxy));

describe('client address by TRUST_PROXY', () => {
  it('believes no header when unset or false', () => {
    expect(clientOf(undefined)).toBe('10.0.0.2');
    expect(clientOf('false')).toBe('10.0.0.2');
  });

  it('walks back as many hops as a hop count says', () => {
    expect(clientOf('1')).toBe('10.0.0.9');
    expect(clientOf('2')).toBe('198.51.100.7');
  });

  it('walks back through the named proxies only', () => {
    expect(clientOf('10.0.0.0/8')).toBe('198.51.100.7');
    expect(clientOf('10.0.0.2')).toBe('10.0.0.9');
    expect(clientOf('192.0.2.1', '10.0.0.2')).toBe('10.0.0.2');
  });
});
