// socket.io on the api role's HTTP server. Every connection must carry a valid session cookie; the
// handshake is refused otherwise. Features add their handlers through `onConnection` listeners.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { User } from '@cityops/core/auth/users';
import { counter } from '@cityops/core/metrics';
import type { ApiContext } from './context.ts';
import { userFromCookieHeader } from './auth-plugin.ts';
import { createLiveAdapter } from '@cityops/core/live/socket-adapter';
import { liveRooms } from '@cityops/core/live/rooms';
import { attachAlertRealtime } from './alerts-realtime.ts';

const refusedSockets = counter('cityops_socket_refused_total', 'socket.io handshakes refused', ['reason']);
const refusedMessages = counter('cityops_socket_messages_refused_total', 'socket messages refused, by code', ['code']);

/**
 * Tells one client that a message it sent was refused (`app:error`), counts it, and returns the
 * error for an ack. Nothing else happens: other clients and the server carry on.
 */
export function refuseSocketMessage(socket: { emit(event: string, payload: unknown): unknown }, event: string, code: string, message: string, field?: string) {
  const error = { code, message, event, ...(field ? { field } : {}) };
  refusedMessages.inc({ code });
  socket.emit('app:error', error);
  return error;
}

export interface SocketData {
  user: User;
  sourceAddress: string;
}

export type CityOpsSocket = Socket<Record<string, (...args: unknown[]) => void>, Record<string, (...args: unknown[]) => void>, Record<string, never>, SocketData>;

export function createRealtimeServer(httpServer: HttpServer, context: ApiContext): Server {
  const RECOVERY_WINDOW_MS = context.config.LIVE_RECOVERY_WINDOW_SECONDS * 1000;
  const io = new Server(httpServer, {
    serveClient: false,
    // Short drops (a wall display's Wi-Fi blip) are recovered by socket.io itself, with missed
    // packets replayed; longer absences are covered by each feature's resync-by-cursor.
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    // Clients send small commands only; anything bigger is garbage and closes that client alone.
    maxHttpBufferSize: 64 * 1024,
    // Every API process (and the single embedded process) delivers what any process publishes
    // through core/live: PostgreSQL NOTIFY, shared by the postgres adapter.
    adapter: createLiveAdapter(context.db, {
      maxDisconnectionDurationMs: RECOVERY_WINDOW_MS,
      onError: (error) => context.logger.warn({ err: error }, 'live delivery adapter error'),
      // Whatever was published while this process was not listening never reached its clients.
      onListenRestored: () => {
        context.logger.warn('live delivery restored after an interruption; asking clients to resync');
        io.local.emit('alerts:stale', { reason: 'live delivery was interrupted' });
      },
    }) as never,
  });
  io.use(async (socket, next) => {
    try {
      const user = await userFromCookieHeader(context, socket.handshake.headers.cookie);
      if (!user) {
        refusedSockets.inc({ reason: 'unauthenticated' });
        return next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
      }
      if (user.mustChangePassword) {
        refusedSockets.inc({ reason: 'password_change_required' });
        return next(Object.assign(new Error('password change required'), { data: { code: 'password_change_required' } }));
      }
      socket.data.user = user;
      socket.data.sourceAddress = socket.handshake.address;
      // Rooms by role (and, for features that need them, by district and team).
      await socket.join([liveRooms.role(user.role), liveRooms.user(user.id)]);
      next();
    } catch (error) {
      refusedSockets.inc({ reason: 'error' });
      next(error as Error);
    }
  });
  attachAlertRealtime(io, context);
  // Registered before the features' handlers run, checked at each message: an event nobody
  // handles is answered with an error to that client only.
  io.on('connection', (socket) => {
    socket.onAny((event: string) => {
      if (socket.listeners(event).length === 0) refuseSocketMessage(socket, String(event).slice(0, 64), 'unknown_event', `unknown event "${String(event).slice(0, 64)}"; see REALTIME.md`);
    });
  });
  return io;
}
