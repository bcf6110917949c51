// What the live relay keeps in PostgreSQL: the shared URL-signing key (stored encrypted; live-signing.ts
// encrypts and decrypts it) and the names of the people whose viewing it audits.
import type { Queryable } from '@cityops/core/database/pool';

/** Stores the first key offered; a later offer leaves the stored key in place (every process shares one). */
export async function offerLiveSigningKey(db: Queryable, keyEncrypted: string): Promise<void> {
  await db.query('INSERT INTO camera_live_signing_key (key_encrypted) VALUES ($1) ON CONFLICT (singleton) DO NOTHING', [keyEncrypted]);
}

export async function readLiveSigningKey(db: Queryable): Promise<string> {
  const result = await db.query('SELECT key_encrypted FROM camera_live_signing_key');
  return result.rows[0].key_encrypted;
}

export async function viewerUsername(db: Queryable, userId: number): Promise<string | undefined> {
  const user = await db.query('SELECT username FROM users WHERE id = $1', [userId]);
  return user.rows[0]?.username;
}
