// Reports for leaders (#17 part 7): the daily and weekly operations reports, each period once per kind
// and language (the unique key: two api processes running the schedule store one report, and a report
// made on demand for the same period replaces it). The PDF and CSV are kept in the row (a few hundred
// kB at most): they go with the database's backups, and every api process serves them without a shared
// DATA_DIR.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE leader_reports (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('daily', 'weekly')),
      language text NOT NULL CHECK (language IN ('vi', 'en')),
      period_from timestamptz NOT NULL,
      period_to timestamptz NOT NULL CHECK (period_to > period_from),
      created_at timestamptz NOT NULL DEFAULT now(),
      -- The user who asked for it; NULL when the schedule made it.
      created_by text,
      pdf bytea NOT NULL,
      csv bytea NOT NULL,
      UNIQUE (kind, language, period_from)
    )`);
  await db.query(`CREATE INDEX leader_reports_newest ON leader_reports (period_from DESC, id DESC)`);
}
