// Pushes live events to dashboard clients from any process (api, camera-ingest, sensor-ingest,
// analytics). Delivery goes through PostgreSQL NOTIFY on the channel the api role's socket.io
// postgres adapter listens to, so every API process receives it and forwards it to its own sockets.
//
// Why not @socket.io/postgres-emitter directly: its 0.1.1 messages carry no `nsp` field, and
// @socket.io/postgres-adapter 0.5 routes messages by `nsp`, so it silently drops them. This module
// writes the adapter's own message format (socket.io-adapter ClusterMessage) instead, and also lets a
// caller publish INSIDE its transaction: PostgreSQL then delivers the notification only if and when
// the transaction commits, and in commit order.
import { encode } from '@msgpack/msgpack';
import { MessageType } from 'socket.io-adapter';
import type { Database, Queryable } from '../database/pool.ts';
import { counter } from '../metrics.ts';

/** Shared with the adapter (core/live/socket-adapter.ts): channel `<prefix>#<namespace>`. */
export const LIVE_CHANNEL_PREFIX = 'socket.io';
export const LIVE_NAMESPACE = '/';
export const LIVE_CHANNEL = `${LIVE_CHANNEL_PREFIX}#${LIVE_NAMESPACE}`;
/** Messages over NOTIFY's 8000-byte limit go through this table (created by migration 0010). */
export const LIVE_ATTACHMENTS_TABLE = 'socket_io_attachments';
const NOTIFY_PAYLOAD_LIMIT_BYTES = 7900;
/** The uid socket.io adapters treat as "an emitter, not a server of the cluster". */
const EMITTER_UID = 'emitter';

const published = counter('cityops_live_published_total', 'live events published to dashboard clients, by event', ['event']);
const publishFailures = counter('cityops_live_publish_failures_total', 'live events that could not be published, by event', ['event']);

export interface LivePublisher {
  /** Sends `event` with `payload` to every socket in any of `rooms` (once per socket), on every API process. */
  publish(rooms: string[], event: string, payload: unknown): Promise<void>;
  /**
   * Same, inside the caller's transaction: clients get it only when (and if) the transaction commits,
   * and in commit order across processes.
   */
  publishIn(tx: Queryable, rooms: string[], event: string, payload: unknown): Promise<void>;
  /**
   * `publishIn` for several payloads of one event, in this order: those within NOTIFY's limit in one
   * statement (one round trip for a group's changes), any larger one through the attachments table.
   */
  publishEachIn(tx: Queryable, rooms: string[], event: string, payloads: unknown[]): Promise<void>;
  /** Makes the sockets in `inRooms` join `rooms` (e.g. a user added to a team joins `team:<id>`). */
  joinRooms(inRooms: string[], rooms: string[], tx?: Queryable): Promise<void>;
  leaveRooms(inRooms: string[], rooms: string[], tx?: Queryable): Promise<void>;
  /**
   * Closes the sockets in `inRooms` on every API process (a user disabled, or whose role changed:
   * their reconnection is checked again, with the rooms of what they are now).
   */
  disconnectSockets(inRooms: string[], tx?: Queryable): Promise<void>;
}

const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

function broadcastMessage(rooms: string[], event: string, payload: unknown) {
  // The checks of this module guard publishers' code (event names and rooms are constants there): plain Errors.
  if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved socket.io event name`);
  // No rooms would mean "everyone": never what a publisher wants, so refuse it.
  if (rooms.length === 0) throw new Error(`live event ${event}: name at least one room`);
  return {
    type: MessageType.BROADCAST,
    data: { packet: { type: 2 /* EVENT */, data: [event, payload], nsp: LIVE_NAMESPACE }, opts: { rooms, except: [], flags: {} } },
  };
}

/**
 * The NOTIFY payload of a broadcast, for a caller that sends `pg_notify(LIVE_CHANNEL, text)` in its
 * own statement (saving a round trip inside a short transaction); undefined when it is over the
 * NOTIFY limit, in which case use publishIn.
 */
export function broadcastNotifyText(rooms: string[], event: string, payload: unknown): string | undefined {
  const text = JSON.stringify({ uid: EMITTER_UID, nsp: LIVE_NAMESPACE, ...broadcastMessage(rooms, event, payload) });
  return Buffer.byteLength(text) <= NOTIFY_PAYLOAD_LIMIT_BYTES ? text : undefined;
}

export function createLivePublisher(db: Database | Queryable): LivePublisher {
  async function send(via: Queryable, message: Record<string, unknown>, event: string) {
    const document = { uid: EMITTER_UID, nsp: LIVE_NAMESPACE, ...message };
    const payload = JSON.stringify(document);
    try {
      if (Buffer.byteLength(payload) <= NOTIFY_PAYLOAD_LIMIT_BYTES) {
        await via.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, payload]);
      } else {
        // The adapter fetches the full message by id and decodes it with msgpack.
        const result = await via.query(`INSERT INTO ${LIVE_ATTACHMENTS_TABLE} (payload) VALUES ($1) RETURNING id`, [
          Buffer.from(encode(document)),
        ]);
        const header = JSON.stringify({ uid: EMITTER_UID, type: message.type, attachmentId: result.rows[0].id });
        await via.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, header]);
      }
      published.inc({ event });
    } catch (error) {
      publishFailures.inc({ event });
      throw error;
    }
  }

  function broadcast(via: Queryable, rooms: string[], event: string, payload: unknown) {
    return send(via, broadcastMessage(rooms, event, payload), event);
  }

  const roomsChange = (type: MessageType, label: string) => (inRooms: string[], rooms: string[], tx?: Queryable) => {
    if (inRooms.length === 0) throw new Error(`${label}: name at least one room whose sockets change`);
    return send(tx ?? db, { type, data: { opts: { rooms: inRooms, except: [] }, rooms } }, label);
  };

  return {
    publish: (rooms, event, payload) => broadcast(db, rooms, event, payload),
    publishIn: (tx, rooms, event, payload) => broadcast(tx, rooms, event, payload),
    async publishEachIn(tx, rooms, event, payloads) {
      const texts = payloads.map((payload) => broadcastNotifyText(rooms, event, payload));
      if (texts.every((text) => text !== undefined)) {
        if (texts.length === 0) return;
        try {
          // unnest yields the payloads in array order: the notifications are queued (and delivered) in it.
          await tx.query({ name: 'live-notify-many', text: 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', values: [LIVE_CHANNEL, texts] });
        } catch (error) {
          publishFailures.inc({ event }, texts.length);
          throw error;
        }
        published.inc({ event }, texts.length);
        return;
      }
      for (const payload of payloads) await broadcast(tx, rooms, event, payload);
    },
    joinRooms: roomsChange(MessageType.SOCKETS_JOIN, 'rooms:join'),
    leaveRooms: roomsChange(MessageType.SOCKETS_LEAVE, 'rooms:leave'),
    disconnectSockets: (inRooms, tx) => {
      if (inRooms.length === 0) throw new Error('sockets:disconnect: name at least one room');
      return send(tx ?? db, { type: MessageType.DISCONNECT_SOCKETS, data: { opts: { rooms: inRooms, except: [] }, close: false } }, 'sockets:disconnect');
    },
  };
}
