// Wakes the dispatch escalation worker (dashboard/server/incidents/escalation.ts) when an assignment
// is made, answered, ended (a team deleted included: its ON DELETE SET NULL is an update of team_id) or
// its deadlines change, so that it looks at once and sets its timer for the next step instead of
// waiting for its poll. Not on the worker's own bookkeeping (escalation_steps): that would wake it for
// nothing. Once per statement: the payload is a hint, the worker reads the table.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE FUNCTION incident_assignments_wake() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('cityops_dispatch_wake', lower(TG_OP)); RETURN NULL; END $$;
    CREATE TRIGGER incident_assignments_wake
      AFTER INSERT OR UPDATE OF team_id, acknowledge_by, arrive_by, step_seconds, ladder, acknowledged_at, arrived_at, ended_at ON incident_assignments
      FOR EACH STATEMENT EXECUTE FUNCTION incident_assignments_wake();
  `);
}
