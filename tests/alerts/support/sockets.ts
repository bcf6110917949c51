// Real socket.io clients against a test API, logged in through the session cookie like a browser.
import { io, type Socket } from 'socket.io-client';

export interface ConnectOptions {
  cookie: string;
  auth?: (callback: (data: object) => void) => void;
  reconnection?: boolean;
  /**
   * Called with the socket before it connects: listeners added here cannot miss what the server sends
   * with the connection (packets arriving with `connect` are dispatched before the promise resolves).
   */
  beforeConnect?: (socket: Socket) => void;
}

/** Connects and resolves once connected (rejects on connect_error). */
export function connectSocket(baseUrl: string, options: ConnectOptions): Promise<Socket> {
  const socket = io(baseUrl, {
    transports: ['websocket'],
    extraHeaders: { cookie: options.cookie },
    reconnection: options.reconnection ?? false,
    auth: options.auth,
    forceNew: true,
  });
  options.beforeConnect?.(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the first `event` payload matching `predicate`, or rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every payload of `event` into an array (for "nothing arrived" checks). */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}
