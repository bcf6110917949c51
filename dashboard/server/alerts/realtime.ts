// Live alerts on the api role's socket.io server (protocol: REALTIME.md). Sockets join their teams'
// rooms at connect; each connection that socket.io did not recover gets an `alerts:sync` (a replay
// after the handshake's cursor, or a snapshot); clients may ask for one again with `alerts:sync`.
// Alert changes themselves arrive from any process through core/live (see core/alerts/changes.ts).
import type { AlertsSync } from '@cityops/contract/alerts';
import type { AlertsSyncAnswer } from '@cityops/contract/socket-events';
import { alertsCursorSchema, alertsSyncRequestSchema } from '@cityops/contract/socket-schemas';
import { liveRooms } from '@cityops/core/live/rooms';
import { counter } from '@cityops/core/metrics';
import type { RouteContext } from '@cityops/core/http/route-context';
import { refuseSocketMessage, type CityOpsServer, type CityOpsSocket } from '../realtime.ts';
import { teamsOfUser } from './teams.ts';
import { alertScopeOf } from './visibility.ts';
import { alertsSince, alertsSnapshot } from './repository.ts';

const syncs = counter('cityops_alert_syncs_total', 'alert syncs sent to live clients, by mode', ['mode']);

export function attachAlertRealtime(io: CityOpsServer, context: RouteContext): void {
  const { db } = context;

  // After the session check (realtime.ts): the rooms of the user's field teams and their districts.
  io.use(async (socket, next) => {
    try {
      const user = socket.data.user;
      const teams = await teamsOfUser(db, user.id);
      const rooms = teams.flatMap((team) => [liveRooms.team(team.teamId), ...(team.districtId ? [liveRooms.district(team.districtId)] : [])]);
      if (rooms.length) await socket.join(rooms);
      next();
    } catch (error) {
      next(error as Error);
    }
  });

  const syncFor = async (socket: CityOpsSocket, after: number | undefined): Promise<AlertsSync> => {
    const scope = await alertScopeOf(db, socket.data.user);
    const sync = after === undefined ? await alertsSnapshot(db, scope) : await alertsSince(db, after, scope);
    syncs.inc({ mode: sync.mode });
    return sync;
  };

  io.on('connection', (socket) => {
    // Syncs of one socket run one after another, at most two waiting: a client cannot pile up
    // snapshot queries on the database.
    let queue: Promise<unknown> = Promise.resolve();
    let waiting = 0;
    const inTurn = <T>(work: () => Promise<T>): Promise<T> | undefined => {
      if (waiting >= 2) return undefined;
      waiting++;
      const turn = queue.then(work).finally(() => waiting--);
      queue = turn.catch(() => undefined);
      return turn;
    };

    // Typed by the contract, but the client is not trusted: the arguments are checked here.
    socket.on('alerts:sync', async (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (answer: AlertsSyncAnswer) => void) : undefined;
      const parsed = alertsSyncRequestSchema.safeParse(args[0] ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const error = refuseSocketMessage(socket, 'alerts:sync', 'invalid', `${issue.path.join('.') || 'payload'}: ${issue.message}`, issue.path.join('.'));
        ack?.({ error });
        return;
      }
      try {
        const pending = inTurn(() => syncFor(socket, parsed.data.after));
        if (!pending) {
          ack?.({ error: refuseSocketMessage(socket, 'alerts:sync', 'busy', 'a sync is already on its way; wait for it') });
          return;
        }
        const sync = await pending;
        if (ack) ack(sync);
        else socket.emit('alerts:sync', sync);
      } catch (error) {
        context.logger.error({ err: error }, 'alerts sync failed');
        ack?.({ error: refuseSocketMessage(socket, 'alerts:sync', 'internal', 'sync failed; try again') });
      }
    });

    // socket.io replayed what this client missed: nothing more to send.
    if (socket.recovered) return;
    const requested = (socket.handshake.auth as { alertsCursor?: unknown }).alertsCursor;
    let after: number | undefined;
    if (requested !== undefined) {
      const cursor = alertsCursorSchema.safeParse(requested);
      if (cursor.success) after = cursor.data;
      else refuseSocketMessage(socket, 'handshake', 'invalid', 'alertsCursor: expected a whole number ≥ 0; sending a snapshot instead', 'alertsCursor');
    }
    void inTurn(() => syncFor(socket, after))!.then(
      (sync) => socket.emit('alerts:sync', sync),
      (error) => {
        context.logger.error({ err: error }, 'alerts sync at connect failed');
        refuseSocketMessage(socket, 'alerts:sync', 'internal', 'could not send the alerts; send alerts:sync to try again');
      },
    );
  });
}
