// The alert view (what REST lists, live events, replays and MQTT copies carry; AlertView in
// contract/socket-schemas.ts) built by one SQL function, alert_view(alerts), used everywhere. With it the
// commit trigger of 0011 builds the view itself, so writers need neither read the alert back nor
// hold a transaction open across round trips: raising an alert is a single statement.
import type { MigrationContext } from '../migrate.ts';
import { ALERT_EVENTS_LOCK_KEY } from './0011_alert_event_order.ts';
import { LIVE_CHANNEL } from '../../live/publisher.ts';

const NOTIFY_LIMIT_BYTES = 7900;

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- ISO 8601 in UTC with milliseconds, as JavaScript's Date.toISOString() writes it.
    CREATE FUNCTION cityops_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    $$;

    CREATE FUNCTION alert_view(a alerts) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object(
        'id', a.id,
        'kind', a.kind,
        'severity', a.severity,
        'state', a.state,
        'source', jsonb_build_object('type', a.source_type, 'id', a.source_id, 'zoneId', a.zone_id),
        'title', jsonb_build_object('vi', a.title_vi, 'en', a.title_en),
        'description', jsonb_build_object('vi', a.description_vi, 'en', a.description_en),
        'lat', a.lat,
        'lon', a.lon,
        'districtId', a.district_id,
        'firstSeenAt', cityops_iso(a.first_seen_at),
        'lastSeenAt', cityops_iso(a.last_seen_at),
        'occurrences', a.occurrences,
        'assignedTeamId', a.assigned_team_id,
        'acknowledgedAt', cityops_iso(a.acknowledged_at),
        'teamAcknowledgedAt', cityops_iso(a.team_acknowledged_at),
        'assignedAt', cityops_iso(a.assigned_at),
        'resolvedAt', cityops_iso(a.resolved_at),
        'closedAt', cityops_iso(a.closed_at),
        'autoCleared', CASE WHEN a.auto_cleared_at IS NULL THEN NULL ELSE jsonb_build_object(
          'at', cityops_iso(a.auto_cleared_at),
          'reason', CASE WHEN a.auto_cleared_reason_vi IS NULL AND a.auto_cleared_reason_en IS NULL THEN NULL
                         ELSE jsonb_build_object('vi', COALESCE(a.auto_cleared_reason_vi, ''), 'en', COALESCE(a.auto_cleared_reason_en, '')) END) END,
        'hasSnapshot', EXISTS (SELECT 1 FROM alert_media m WHERE m.alert_id = a.id AND m.kind = 'snapshot'),
        'lastEventId', a.last_event_id)
    $$;

    -- 0011's commit trigger, now building the view at commit from the alert as committed.
    CREATE OR REPLACE FUNCTION alert_event_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      event_position bigint;
      view jsonb;
      message jsonb;
      frame text;
    BEGIN
      PERFORM pg_advisory_xact_lock(${ALERT_EVENTS_LOCK_KEY});
      event_position := nextval('alert_event_position');
      UPDATE alerts a SET last_event_id = event_position WHERE a.id = NEW.alert_id RETURNING alert_view(a) INTO view;
      UPDATE alert_events SET position = event_position, alert = view WHERE id = NEW.id;
      message := jsonb_build_object(
        'eventId', event_position,
        'type', NEW.type,
        'at', cityops_iso(NEW.at),
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
  `);
}
