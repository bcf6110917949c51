// A camera that camera-ingest marks offline (camera_status, migration 0030) loses its analysis slot
// at once: the change wakes the slot leader instead of waiting for its next round.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE FUNCTION analysis_slots_wake_on_camera_offline() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('cityops_slots_wake', 'camera_offline:' || NEW.camera_id); RETURN NULL; END $$;
    CREATE TRIGGER analysis_slots_wake_on_offline_update AFTER UPDATE OF state ON camera_status
      FOR EACH ROW WHEN (NEW.state = 'offline' AND OLD.state IS DISTINCT FROM 'offline')
      EXECUTE FUNCTION analysis_slots_wake_on_camera_offline();
    CREATE TRIGGER analysis_slots_wake_on_offline_insert AFTER INSERT ON camera_status
      FOR EACH ROW WHEN (NEW.state = 'offline')
      EXECUTE FUNCTION analysis_slots_wake_on_camera_offline();
  `);
}
