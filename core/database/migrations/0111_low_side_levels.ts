// Alarm levels on low values (devices/sensor-profile.ts `levelsBelow`): a field's soil too dry, a canal too
// low for its intake. Their levels fall in severity (level3 the lowest), so the registry's order check
// follows the sensor's direction instead of always wanting level1 ≤ level2 ≤ level3.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    DO $$
    DECLARE name text;
    BEGIN
      -- The two unnamed checks of 0001 (level1 <= level2, level2 <= level3), whatever PostgreSQL named them.
      FOR name IN SELECT conname FROM pg_constraint
                   WHERE conrelid = 'sensors'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) ~ 'level[12] <= level[23]'
      LOOP
        EXECUTE format('ALTER TABLE sensors DROP CONSTRAINT %I', name);
      END LOOP;
    END $$;

    -- One check per pair, so a refusal names the two levels it is about.
    ALTER TABLE sensors ADD CONSTRAINT sensors_level1_level2_order CHECK (level1 IS NULL OR level2 IS NULL OR
      CASE WHEN rules->>'levelsBelow' = 'true' THEN level1 >= level2 ELSE level1 <= level2 END);
    ALTER TABLE sensors ADD CONSTRAINT sensors_level2_level3_order CHECK (level2 IS NULL OR level3 IS NULL OR
      CASE WHEN rules->>'levelsBelow' = 'true' THEN level2 >= level3 ELSE level2 <= level3 END);
  `);
}
