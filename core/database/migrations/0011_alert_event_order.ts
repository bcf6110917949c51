// Alert events numbered and published AT COMMIT, by PostgreSQL itself.
//
// Live clients resync by cursor ("every change after event N"), which is only safe if event numbers
// follow commit order. 0010 got that with an advisory lock taken before numbering and held to the
// commit, but then the lock spans the writer's round trips: one slow or busy producer process (GC,
// inference, a loaded machine) stalls every alert writer. Here a deferred constraint trigger does the
// numbering when the transaction commits: it takes the lock, assigns `position` (the public eventId
// and cursor), stamps it into the stored view and the alert, and sends the live messages with
// pg_notify, all inside the server, so the lock is held for microseconds plus the commit's flush.
// `id` stays the row's internal identity (notes point at it).
import { LIVE_CHANNEL } from '../../live/publisher.ts';
import type { MigrationContext } from '../migrate.ts';

/** The advisory lock every alert event commit takes (same key as 0010's writers used). */
export const ALERT_EVENTS_LOCK_KEY = 7_240_010;
/** Live messages over this size are replaced by an `alerts:stale` (clients then resync). */
const NOTIFY_LIMIT_BYTES = 7900;

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE alert_events ADD COLUMN position bigint UNIQUE;
    -- The rooms that may see this event (computed by the writer: staff roles and the assigned team).
    ALTER TABLE alert_events ADD COLUMN live_rooms text[] NOT NULL DEFAULT '{}';
    CREATE SEQUENCE alert_event_position;
    CREATE INDEX alert_events_alert_position ON alert_events (alert_id, position);
    -- Events written under 0010 were already numbered in commit order: their id is their position.
    UPDATE alert_events SET position = id;
    SELECT setval('alert_event_position', COALESCE((SELECT max(id) FROM alert_events), 0) + 1, false);

    -- The socket.io postgres adapter's broadcast message (socket.io-adapter ClusterMessage, type 3 =
    -- BROADCAST, packet type 2 = EVENT): the same frame core/live/publisher.ts writes.
    CREATE FUNCTION cityops_live_frame(rooms text[], event text, payload jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT json_build_object(
        'uid', 'emitter', 'nsp', '/', 'type', 3,
        'data', json_build_object(
          'packet', json_build_object('type', 2, 'data', json_build_array(event, payload), 'nsp', '/'),
          'opts', json_build_object('rooms', to_json(rooms), 'except', '[]'::json, 'flags', '{}'::json)))::text
    $$;

    CREATE FUNCTION alert_event_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      event_position bigint;
      view jsonb;
      message jsonb;
      frame text;
    BEGIN
      PERFORM pg_advisory_xact_lock(${ALERT_EVENTS_LOCK_KEY});
      event_position := nextval('alert_event_position');
      view := jsonb_set(NEW.alert, '{lastEventId}', to_jsonb(event_position));
      UPDATE alert_events SET position = event_position, alert = view WHERE id = NEW.id;
      UPDATE alerts SET last_event_id = event_position WHERE id = NEW.alert_id;
      message := jsonb_build_object(
        'eventId', event_position,
        'type', NEW.type,
        'at', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'actor', jsonb_build_object('username', NEW.username),
        'alert', view)
        || CASE WHEN NEW.note IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('note', NEW.note) END;
      IF cardinality(NEW.live_rooms) > 0 THEN
        frame := cityops_live_frame(NEW.live_rooms, 'alert:event', message);
        IF octet_length(frame) > ${NOTIFY_LIMIT_BYTES} THEN
          frame := cityops_live_frame(NEW.live_rooms, 'alerts:stale', jsonb_build_object('reason', 'a change too large to send live'));
        END IF;
        PERFORM pg_notify('${LIVE_CHANNEL}', frame);
      END IF;
      IF NEW.previous_team_id IS NOT NULL AND NEW.previous_team_id IS DISTINCT FROM NEW.team_id THEN
        PERFORM pg_notify('${LIVE_CHANNEL}', cityops_live_frame(ARRAY['team:' || NEW.previous_team_id],
          'alert:removed', jsonb_build_object('eventId', event_position, 'alertId', NEW.alert_id)));
      END IF;
      RETURN NULL;
    END $$;

    CREATE CONSTRAINT TRIGGER alert_event_numbered_at_commit AFTER INSERT ON alert_events
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION alert_event_at_commit();
  `);
}
