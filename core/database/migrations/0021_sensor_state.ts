// Live state per sensor — the newest value, when it arrived, the status shown on the map (ok, level1-3,
// offline) and the rules' memory (hysteresis level, rise window) — and the outbox of alert actions the
// rules decided on. Shared by every sensor-ingest worker: state rows are locked while a worker applies
// readings, and the outbox is written in the same transaction, so an alert transition is recorded if and
// only if the state that caused it is.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE sensor_state (
      sensor_id text PRIMARY KEY REFERENCES sensors(id) ON DELETE CASCADE,
      last_value double precision,
      -- device time of the newest reading applied to the rules
      last_ts timestamptz,
      -- database time it arrived: offline is judged on this, so a device's wrong clock cannot hide silence
      last_seen_at timestamptz,
      -- when the watch began (registration or first start): a sensor never heard from goes offline too
      tracking_since timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'level1', 'level2', 'level3', 'offline')),
      level smallint NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 3),
      offline boolean NOT NULL DEFAULT false,
      rule_state jsonb NOT NULL DEFAULT '{}',
      status_changed_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sensor_state_watch ON sensor_state (offline, last_seen_at);

    -- Raise / clear actions in the order the rules produced them, sent to the alerts service after commit
    -- and deleted once it accepted them. Per sensor, strictly in id order.
    CREATE TABLE sensor_alert_outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sensor_id text NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
      action jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    );
    CREATE INDEX sensor_alert_outbox_by_sensor ON sensor_alert_outbox (sensor_id, id);
  `);
}
