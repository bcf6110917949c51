// Users repository and the first-admin bootstrap.
import type { Queryable } from '../database/pool.ts';
import { generateOneTimePassword, hashPassword } from './passwords.ts';
import type { User } from '@cityops/contract/people';
import type { UserRole } from '@cityops/contract/roles';

export interface UserWithHash extends User {
  passwordHash: string;
}

const columns = `id, username, display_name AS "displayName", role, must_change_password AS "mustChangePassword",
  disabled, language, totp_enabled AS "totpEnabled"`;

export async function findUserByUsername(db: Queryable, username: string): Promise<UserWithHash | undefined> {
  const result = await db.query(`SELECT ${columns}, password_hash AS "passwordHash" FROM users WHERE username = $1`, [
    username,
  ]);
  return result.rows[0];
}

export async function findUserById(db: Queryable, id: number): Promise<User | undefined> {
  const result = await db.query(`SELECT ${columns} FROM users WHERE id = $1`, [id]);
  return result.rows[0];
}

export async function listUsers(db: Queryable): Promise<User[]> {
  return (await db.query(`SELECT ${columns} FROM users ORDER BY username`)).rows;
}

export async function createUser(
  db: Queryable,
  input: { username: string; password: string; role: UserRole; displayName?: string; mustChangePassword?: boolean },
): Promise<User> {
  const { password, ...rest } = input;
  return insertUser(db, { ...rest, passwordHash: await hashPassword(password) });
}

/** The user's row, with a password already hashed (by createUser, or a test's one hash shared by its users). */
export async function insertUser(
  db: Queryable,
  input: { username: string; passwordHash: string; role: UserRole; displayName?: string; mustChangePassword?: boolean },
): Promise<User> {
  const result = await db.query(
    `INSERT INTO users (username, display_name, role, password_hash, must_change_password)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
    [input.username, input.displayName ?? input.username, input.role, input.passwordHash, input.mustChangePassword ?? false],
  );
  return result.rows[0];
}

export async function setPassword(db: Queryable, userId: number, password: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1`, [
    userId,
    await hashPassword(password),
  ]);
}

/**
 * Creates the first admin when there is no user yet and returns its one-time password (shown once,
 * at start); the admin must change it at first login. Returns undefined when users already exist.
 */
export async function ensureFirstAdmin(db: Queryable, username: string): Promise<string | undefined> {
  const existing = await db.query('SELECT 1 FROM users LIMIT 1');
  if (existing.rowCount) return undefined;
  const password = generateOneTimePassword();
  const result = await db.query(
    `INSERT INTO users (username, display_name, role, password_hash, must_change_password)
     VALUES ($1, 'Administrator', 'admin', $2, true) ON CONFLICT (username) DO NOTHING RETURNING id`,
    [username, await hashPassword(password)],
  );
  return result.rowCount ? password : undefined;
}

/** A user as the administration screen shows it. */
export interface UserForAdmin extends User {
  createdAt: Date;
  lastLoginAt: Date | null;
}

/**
 * Every user with their last successful login. The login time is read from the audit log rather
 * than kept in a column: the audit log already records every login, and a second copy could drift.
 */
export async function listUsersForAdmin(db: Queryable): Promise<UserForAdmin[]> {
  const result = await db.query(
    `SELECT ${columns}, created_at AS "createdAt",
       (SELECT max(a.at) FROM audit_log a WHERE a.action = 'login' AND a.user_id = users.id) AS "lastLoginAt"
     FROM users ORDER BY username`,
  );
  return result.rows;
}

/** Changes role, display name or the disabled flag; returns the user as it is now. */
export async function updateUser(
  db: Queryable,
  userId: number,
  changes: { role?: UserRole; displayName?: string; disabled?: boolean },
): Promise<User | undefined> {
  const result = await db.query(
    `UPDATE users SET role = coalesce($2, role), display_name = coalesce($3, display_name),
       disabled = coalesce($4, disabled), updated_at = now()
     WHERE id = $1 RETURNING ${columns}`,
    [userId, changes.role ?? null, changes.displayName ?? null, changes.disabled ?? null],
  );
  return result.rows[0];
}

/** Replaces the password by a one-time one that must be changed at the next login. */
export async function setOneTimePassword(db: Queryable, userId: number, password: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2, must_change_password = true, updated_at = now() WHERE id = $1`, [
    userId,
    await hashPassword(password),
  ]);
}

/**
 * Replaces a hash made at older scrypt parameters by one at today's, after a successful login proved the
 * password. Only if the hash is still the one that was checked: a password changed meanwhile wins.
 */
export async function upgradePasswordHash(db: Queryable, userId: number, checkedHash: string, password: string): Promise<boolean> {
  const result = await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [
    userId,
    checkedHash,
    await hashPassword(password),
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** The user's TOTP state: the encrypted secret (pending until enabled) and the last step accepted. */
export async function getTotpState(db: Queryable, userId: number): Promise<{ secretEncrypted: string | null; enabled: boolean; lastStep: number | null }> {
  const result = await db.query(
    `SELECT totp_secret_encrypted AS "secretEncrypted", totp_enabled AS enabled, totp_last_step AS "lastStep" FROM users WHERE id = $1`,
    [userId],
  );
  const row = result.rows[0] ?? { secretEncrypted: null, enabled: false, lastStep: null };
  return { ...row, lastStep: row.lastStep === null ? null : Number(row.lastStep) };
}

/** Stores a new secret awaiting its first code (replacing an earlier unconfirmed one); false when TOTP is already on. */
export async function setPendingTotpSecret(db: Queryable, userId: number, secretEncrypted: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE users SET totp_secret_encrypted = $2, totp_last_step = NULL, updated_at = now() WHERE id = $1 AND NOT totp_enabled`,
    [userId, secretEncrypted],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Records that the code of `step` was used, only if no code of this step or a later one was used before:
 * of two requests racing with the same code, one wins. Also turns TOTP on when `enable` (first code).
 */
export async function useTotpStep(db: Queryable, userId: number, step: number, enable = false): Promise<boolean> {
  const result = await db.query(
    `UPDATE users SET totp_last_step = $2, totp_enabled = totp_enabled OR $3
     WHERE id = $1 AND totp_secret_encrypted IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)`,
    [userId, step, enable],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Turns TOTP off and forgets the secret (an admin's reset for a lost phone). */
export async function clearTotp(db: Queryable, userId: number): Promise<void> {
  await db.query(`UPDATE users SET totp_secret_encrypted = NULL, totp_enabled = false, totp_last_step = NULL, updated_at = now() WHERE id = $1`, [userId]);
}
