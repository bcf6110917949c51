// socket.io on the api role's HTTP server. Every connection must carry a valid session cookie; the
// handshake is refused otherwise. Features add their handlers through `onConnection` listeners.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketError } from '@cityops/contract/socket-events';
import type { User } from '@cityops/contract/people';
import { counter } from '@cityops/core/metrics';
import type { RouteContext } from '@cityops/core/http/route-context';
import { mustEnrolSecondFactor, sessionFromCookieHeader } from './auth-plugin.ts';
import { liveSessionIds, sessionPolicy, sessionRoom } from '@cityops/core/auth/sessions';
import { createLiveAdapter } from '@cityops/core/live/socket-adapter';
import { liveRooms } from '@cityops/core/live/rooms';
import { attachAlertRealtime } from './alerts/realtime.ts';
import { clientAddress, trustedProxyFromConfig } from './client-address.ts';

const refusedSockets = counter('cityops_socket_refused_total', 'socket.io handshakes refused', ['reason']);
const endedSockets = counter('cityops_socket_session_ended_total', 'live sockets closed because their session ended (expired, logged out elsewhere)');
const sessionRecheckFailures = counter('cityops_socket_session_recheck_failures_total', 'periodic re-checks of live sockets\' sessions that failed (database unreachable)');
const refusedMessages = counter('cityops_socket_messages_refused_total', 'socket messages refused, by code', ['code']);

/**
 * Tells one client that a message it sent was refused (`app:error`), counts it, and returns the
 * error for an ack. Nothing else happens: other clients and the server carry on.
 */
export function refuseSocketMessage(socket: CityOpsSocket, event: string, code: string, message: string, field?: string): SocketError {
  const error: SocketError = { code, message, event, ...(field ? { field } : {}) };
  refusedMessages.inc({ code });
  socket.emit('app:error', error);
  return error;
}

export interface SocketData {
  user: User;
  sessionId: number;
  sourceAddress: string;
}

export type CityOpsServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type CityOpsSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export function createRealtimeServer(httpServer: HttpServer, context: RouteContext): CityOpsServer {
  const trustedProxy = trustedProxyFromConfig(context.config.TRUST_PROXY);
  const RECOVERY_WINDOW_MS = context.config.LIVE_RECOVERY_WINDOW_SECONDS * 1000;
  const io: CityOpsServer = new Server(httpServer, {
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
      const session = await sessionFromCookieHeader(context, socket.handshake.headers.cookie);
      const user = session?.user;
      if (!session || !user || session.secondFactorPending) {
        refusedSockets.inc({ reason: 'unauthenticated' });
        return next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
      }
      if (user.mustChangePassword) {
        refusedSockets.inc({ reason: 'password_change_required' });
        return next(Object.assign(new Error('password change required'), { data: { code: 'password_change_required' } }));
      }
      if (mustEnrolSecondFactor(context, user)) {
        refusedSockets.inc({ reason: 'second_factor_enrolment_required' });
        return next(Object.assign(new Error('second factor enrolment required'), { data: { code: 'second_factor_enrolment_required' } }));
      }
      socket.data.user = user;
      socket.data.sessionId = session.id;
      // handshake.address is the TCP peer: behind a reverse proxy, the proxy for everyone.
      socket.data.sourceAddress = clientAddress(socket.request, trustedProxy);
      // Rooms by role (and, for features that need them, by district and team); the session's room lets a
      // logout or a password change close exactly the sockets of the sessions it ends.
      await socket.join([liveRooms.role(user.role), liveRooms.user(user.id), sessionRoom(session.id)]);
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
      // Whatever name the client sent: looked up as-is, most are not in the contract.
      if (socket.listeners(event as keyof ClientToServerEvents).length === 0) refuseSocketMessage(socket, String(event).slice(0, 64), 'unknown_event', `unknown event "${String(event).slice(0, 64)}"; see REALTIME.md`);
    });
  });
  closeSocketsOfEndedSessions(io, httpServer, context);
  return io;
}

/**
 * A session can end without a request that could close its sockets: idle or absolute expiry, or a
 * logout or password change handled by another API process whose message was missed. Every few seconds
 * this process checks the sessions of its own sockets and closes the sockets of those that ended (the
 * client's reconnection is then refused and it shows the login). A failed check (database down) keeps
 * the sockets and tries again: closing every socket would only cause a storm of refused reconnections.
 */
function closeSocketsOfEndedSessions(io: CityOpsServer, httpServer: HttpServer, context: RouteContext) {
  let running = false;
  let failing = false;
  const check = async () => {
    const sockets = [...io.of('/').sockets.values()];
    const sessionIds = [...new Set(sockets.map((socket) => socket.data.sessionId).filter((id) => id !== undefined))];
    if (sessionIds.length === 0) return;
    const live = await liveSessionIds(context.db, sessionIds, sessionPolicy(context.config));
    for (const socket of sockets) {
      if (socket.data.sessionId === undefined || live.has(socket.data.sessionId)) continue;
      endedSockets.inc();
      socket.disconnect(true);
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .then(() => {
        if (failing) context.logger.info('live sockets\' sessions are re-checked again');
        failing = false;
      })
      .catch((error: unknown) => {
        sessionRecheckFailures.inc();
        // Logged once per outage, not at every interval; the counter shows how long it lasted.
        if (!failing) context.logger.warn({ err: error }, 'could not re-check the sessions of live sockets; keeping them until a check succeeds');
        failing = true;
      })
      .finally(() => (running = false));
  }, context.config.SESSION_RECHECK_SECONDS * 1000);
  timer.unref();
  httpServer.once('close', () => clearInterval(timer));
}
