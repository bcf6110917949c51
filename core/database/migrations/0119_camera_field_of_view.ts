// A camera's field of view (#17 part 3): with the stored `bearing` (where it looks, degrees from north),
// how wide it sees and how far it sees well enough to tell what happens. The map draws it as a cone and
// an alert's place is matched against it ("the cameras that see it"). Defaults are a common fixed
// street camera: 60° wide, useful to about 60 m. 360° is a fisheye/PTZ dome that sees all round.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`ALTER TABLE cameras
    ADD COLUMN fov_degrees double precision NOT NULL DEFAULT 60 CHECK (fov_degrees >= 1 AND fov_degrees <= 360),
    ADD COLUMN range_meters double precision NOT NULL DEFAULT 60 CHECK (range_meters > 0 AND range_meters <= 2000)`);
}
