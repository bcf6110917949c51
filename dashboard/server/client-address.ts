// Who is on the other end of a request: the TCP peer, or the client a trusted reverse proxy names in
// X-Forwarded-For. One trust function, built once from TRUST_PROXY, is handed to Fastify (request.ip,
// request.protocol) and used for socket.io handshakes, so HTTP and live sockets cannot disagree.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { trustProxyOption } from '@cityops/core/config';

/** proxy-addr's question: is the address at this hop (0 = the TCP peer) a proxy we believe? */
export type TrustedProxy = (address: string, hop: number) => boolean;

export function trustedProxyFromConfig(value: string | undefined): TrustedProxy {
  const option = trustProxyOption(value);
  if (option === true) return () => true;
  if (option === false) return () => false;
  // A hop count (as Fastify takes it): the n nearest hops are our proxies, whoever they are. Only right
  // when every request passes exactly that many proxies; a direct client could otherwise forge the header.
  if (typeof option === 'number') return (_address, hop) => hop < option;
  return proxyAddr.compile(option);
}

/** The client address as Fastify's request.ip gives it, for a raw request (a socket.io handshake). */
export function clientAddress(request: IncomingMessage, trusted: TrustedProxy): string {
  return proxyAddr(request, trusted);
}
