// What each camera's ffmpeg decodes now (#17 part 6): every frame at the detect rate, or keyframes only
// (the cheap tier), so engineers see it in device health beside the camera's analysis slot.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`ALTER TABLE camera_status ADD COLUMN decode text CHECK (decode IN ('all', 'keyframes'))`);
}
