// Names people use, in both languages (#17 part 1): a district, camera or sensor keeps its local
// (Vietnamese) name in `name` and may carry the English one people use for it ("Quận Bình Thạnh" /
// "Binh Thanh District"). Screens, CAP, Atom, CSV and MQTT copies pick by language; without an
// English name the local one is shown, as people in the city say it.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  for (const table of ['districts', 'cameras', 'sensors']) {
    await db.query(`ALTER TABLE ${table} ADD COLUMN name_en text CHECK (length(name_en) BETWEEN 1 AND 200)`);
  }
}
