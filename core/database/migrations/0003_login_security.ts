// Sessions and logins as ASVS L2 asks (issue 11): a session id that live sockets can be grouped by (so a
// logout closes that session's sockets only), a per-user index for the login throttle, and the columns
// of the optional TOTP second factor.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE sessions ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
    -- A session whose password was right but whose TOTP code is still to come: it may only send the code.
    ALTER TABLE sessions ADD COLUMN second_factor_pending boolean NOT NULL DEFAULT false;

    -- The throttle counts failures per user name across all addresses, and per address.
    CREATE INDEX login_failures_user ON login_failures (username, at);

    -- TOTP (RFC 6238): the secret is encrypted with the SecretBox; enabled once a first code confirmed it.
    -- totp_last_step is the time step of the last code accepted: a code is good once.
    ALTER TABLE users ADD COLUMN totp_secret_encrypted text;
    ALTER TABLE users ADD COLUMN totp_enabled boolean NOT NULL DEFAULT false;
    ALTER TABLE users ADD COLUMN totp_last_step bigint;
  `);
}
