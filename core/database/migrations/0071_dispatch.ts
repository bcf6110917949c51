// Dispatch: field phones' positions, teams assigned to incidents with deadlines to acknowledge and to
// arrive, and the escalation ladder when a deadline passes (remind the team, alert the supervisor,
// propose the next team), per incident kind and severity.
import type { MigrationContext } from '../migrate.ts';

const INCIDENT_KINDS = `'flooding', 'traffic_accident', 'stalled_vehicle', 'crowd', 'fire', 'infrastructure_fault', 'public_order', 'other'`;

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- The incident kinds a team handles (empty: any); dispatch ranks teams that handle the kind first.
    ALTER TABLE teams ADD COLUMN incident_kinds text[] NOT NULL DEFAULT '{}';

    -- A field user's last position, shared while on duty (with consent: the phone asks first).
    CREATE TABLE field_positions (
      user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      on_duty boolean NOT NULL DEFAULT false,
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      accuracy_m double precision CHECK (accuracy_m IS NULL OR accuracy_m >= 0),
      -- When the phone measured it (it may arrive later, from the outbox) and when it arrived.
      measured_at timestamptz,
      received_at timestamptz,
      -- Positions refused as impossible (a jump faster than any vehicle), for the engineer to see.
      rejected_jumps integer NOT NULL DEFAULT 0,
      CHECK ((lat IS NULL) = (lon IS NULL))
    );

    -- How fast a team must answer, per kind and severity (severity null: any), and what a missed
    -- deadline does: ladder steps in order, each after the previous one plus its delay.
    CREATE TABLE dispatch_policies (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN (${INCIDENT_KINDS}, '*')),
      severity text CHECK (severity IN ('critical', 'major', 'minor', 'info')),
      acknowledge_seconds integer NOT NULL CHECK (acknowledge_seconds BETWEEN 5 AND 86400),
      arrive_seconds integer NOT NULL CHECK (arrive_seconds BETWEEN 30 AND 604800),
      -- Seconds between the ladder's steps once a deadline has passed: remind the team, then alert
      -- the supervisor, then propose the next team.
      step_seconds integer NOT NULL DEFAULT 60 CHECK (step_seconds BETWEEN 5 AND 86400),
      ladder text[] NOT NULL DEFAULT '{remind,supervisor,next_team}'
        CHECK (ladder <@ ARRAY['remind', 'supervisor', 'next_team']::text[]),
      requires_photo boolean NOT NULL DEFAULT false,
      UNIQUE NULLS NOT DISTINCT (kind, severity)
    );
    INSERT INTO dispatch_policies (kind, severity, acknowledge_seconds, arrive_seconds, step_seconds, requires_photo) VALUES
      ('*', NULL, 300, 3600, 120, false),
      ('*', 'critical', 60, 900, 60, false),
      ('fire', NULL, 60, 600, 60, false),
      ('traffic_accident', NULL, 120, 900, 60, false),
      ('flooding', NULL, 300, 1800, 120, true),
      ('infrastructure_fault', NULL, 600, 14400, 300, true);

    CREATE TABLE incident_assignments (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      -- Kept when the team is deleted (the history stays), but then the assignment is ended.
      team_id bigint REFERENCES teams(id) ON DELETE SET NULL,
      team_name text NOT NULL,
      assigned_at timestamptz NOT NULL DEFAULT now(),
      assigned_by bigint REFERENCES users(id) ON DELETE SET NULL,
      assigned_by_name text NOT NULL,
      acknowledge_by timestamptz NOT NULL,
      arrive_by timestamptz NOT NULL,
      step_seconds integer NOT NULL,
      ladder text[] NOT NULL,
      acknowledged_at timestamptz,
      acknowledged_by_name text,
      arrived_at timestamptz,
      -- The escalation ladder: how many steps were taken, for which deadline, and when the last one was.
      escalation_steps integer NOT NULL DEFAULT 0,
      escalated_for text CHECK (escalated_for IN ('acknowledge', 'arrive')),
      last_escalated_at timestamptz,
      ended_at timestamptz,
      end_reason text CHECK (end_reason IN ('resolved', 'reassigned', 'released', 'team_deleted', 'closed'))
    );
    -- One active assignment per incident: two dispatchers assigning at once, one wins.
    CREATE UNIQUE INDEX incident_assignments_one_active ON incident_assignments (incident_id) WHERE ended_at IS NULL;
    CREATE INDEX incident_assignments_team ON incident_assignments (team_id) WHERE ended_at IS NULL;
    CREATE INDEX incident_assignments_due ON incident_assignments (acknowledge_by, arrive_by) WHERE ended_at IS NULL;
  `);
}
