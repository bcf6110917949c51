// Camera owners and their consent records in PostgreSQL (migration 0100). The owner's contact is
// encrypted with the secret box; their link token is kept as its sha256 only, so a database copy
// cannot open anyone's owner page.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '@cityops/core/database/pool';
import { AppError, notFound } from '@cityops/core/errors';
import type { SecretBox } from '@cityops/core/secret-box';
import type { Consent, ConsentInput, OwnerKind } from './consent.ts';

export interface OwnerView {
  id: number;
  name: string;
  kind: OwnerKind;
  /** Decrypted, for engineers and admins only; never on the owner page or in a log. */
  contact: string | null;
  hasLink: boolean;
  linkIssuedAt: Date | null;
  createdAt: Date;
  cameraIds: string[];
}

const ownerColumns = `o.id::int AS id, o.name, o.kind, o.contact_encrypted, o.link_token_sha256 IS NOT NULL AS "hasLink",
  o.link_issued_at AS "linkIssuedAt", o.created_at AS "createdAt",
  coalesce((SELECT array_agg(c.camera_id ORDER BY c.camera_id) FROM camera_consents c WHERE c.owner_id = o.id), '{}') AS "cameraIds"`;

function ownerFromRow(secrets: SecretBox, row: Record<string, unknown>): OwnerView {
  const { contact_encrypted: contactEncrypted, ...rest } = row;
  return { ...(rest as Omit<OwnerView, 'contact'>), contact: contactEncrypted ? secrets.decrypt(String(contactEncrypted)) : null };
}

export const linkTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new unguessable link token (192 bits); only its sha256 is stored. */
export const newLinkToken = () => randomBytes(24).toString('base64url');

export async function insertOwner(db: Queryable, secrets: SecretBox, owner: { name: string; kind: OwnerKind; contact?: string | null }, token: string): Promise<OwnerView> {
  const result = await db.query(
    `WITH o AS (INSERT INTO camera_owners (name, kind, contact_encrypted, link_token_sha256, link_issued_at) VALUES ($1, $2, $3, $4, now()) RETURNING *)
     SELECT ${ownerColumns} FROM o`,
    [owner.name, owner.kind, owner.contact ? secrets.encrypt(owner.contact) : null, linkTokenHash(token)],
  );
  return ownerFromRow(secrets, result.rows[0]);
}

export async function listOwners(db: Queryable, secrets: SecretBox): Promise<OwnerView[]> {
  const result = await db.query(`SELECT ${ownerColumns} FROM camera_owners o ORDER BY o.id`);
  return result.rows.map((row) => ownerFromRow(secrets, row));
}

/** Replaces the owner's link token: the old link stops working at once. */
export async function replaceOwnerLink(db: Queryable, ownerId: number, token: string): Promise<void> {
  const result = await db.query(`UPDATE camera_owners SET link_token_sha256 = $2, link_issued_at = now(), updated_at = now() WHERE id = $1`, [ownerId, linkTokenHash(token)]);
  if (!result.rowCount) throw notFound('camera_owner', );
}

/** The owner a link token opens, or undefined. */
export async function ownerByLinkToken(db: Queryable, token: string): Promise<{ id: number; name: string; kind: OwnerKind } | undefined> {
  const result = await db.query(`SELECT id::int AS id, name, kind FROM camera_owners WHERE link_token_sha256 = $1`, [linkTokenHash(token)]);
  return result.rows[0];
}

const consentColumns = `camera_id AS "cameraId", owner_id::int AS "ownerId", shares_live AS "sharesLive", shares_analysis AS "sharesAnalysis",
  shares_clips AS "sharesClips", CASE WHEN hours_from IS NULL THEN NULL ELSE json_build_object('from', hours_from, 'to', hours_to) END AS hours,
  time_zone AS "timeZone", clip_retention_days AS "clipRetentionDays", given_at AS "givenAt", ends_at AS "endsAt",
  paused_at AS "pausedAt", resumed_at AS "resumedAt", ended_at AS "endedAt", updated_at AS "updatedAt"`;

/** Registers (or replaces) a camera's consent: a new consent starts unpaused and not ended. */
export async function saveConsent(db: Queryable, cameraId: string, input: ConsentInput): Promise<Consent> {
  try {
    const result = await db.query(
      `INSERT INTO camera_consents (camera_id, owner_id, shares_live, shares_analysis, shares_clips, hours_from, hours_to, time_zone,
         clip_retention_days, given_at, ends_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (camera_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, shares_live = EXCLUDED.shares_live,
         shares_analysis = EXCLUDED.shares_analysis, shares_clips = EXCLUDED.shares_clips, hours_from = EXCLUDED.hours_from,
         hours_to = EXCLUDED.hours_to, time_zone = EXCLUDED.time_zone, clip_retention_days = EXCLUDED.clip_retention_days,
         given_at = EXCLUDED.given_at, ends_at = EXCLUDED.ends_at, paused_at = NULL, resumed_at = NULL, ended_at = NULL, updated_at = now()
       RETURNING ${consentColumns}`,
      [
        cameraId,
        input.ownerId,
        input.sharesLive,
        input.sharesAnalysis,
        input.sharesClips,
        input.hours?.from ?? null,
        input.hours?.to ?? null,
        input.timeZone,
        input.clipRetentionDays,
        input.givenAt,
        input.endsAt,
      ],
    );
    return result.rows[0];
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      const constraint = String((error as { constraint?: string }).constraint ?? '');
      throw constraint.includes('owner') ? notFound('camera_owner', input.ownerId, `no camera owner ${input.ownerId}`, 'ownerId') : notFound('camera', cameraId);
    }
    throw error;
  }
}

export async function getConsent(db: Queryable, cameraId: string): Promise<Consent | undefined> {
  const result = await db.query(`SELECT ${consentColumns} FROM camera_consents WHERE camera_id = $1`, [cameraId]);
  return result.rows[0];
}

/** The consent records of these cameras (city cameras are absent). */
export async function consentsOf(db: Queryable, cameraIds: string[]): Promise<Map<string, Consent>> {
  const result = await db.query<Consent>(`SELECT ${consentColumns} FROM camera_consents WHERE camera_id = ANY($1::text[])`, [cameraIds]);
  return new Map(result.rows.map((row) => [row.cameraId, row]));
}

/** Every consent record (the slot leader filters its candidates with them). */
export async function allConsents(db: Queryable): Promise<Map<string, Consent>> {
  const result = await db.query<Consent>(`SELECT ${consentColumns} FROM camera_consents`);
  return new Map(result.rows.map((row) => [row.cameraId, row]));
}

export async function ownerConsents(db: Queryable, ownerId: number): Promise<Consent[]> {
  const result = await db.query<Consent>(`SELECT ${consentColumns} FROM camera_consents WHERE owner_id = $1 ORDER BY camera_id`, [ownerId]);
  return result.rows;
}

export type OwnerAction = 'pause' | 'resume' | 'end';

/**
 * The owner's pause, resume or end of one of their cameras. End is final from the link (only a new
 * consent registered by an engineer shares the camera again); an ended camera can be neither paused
 * nor resumed. Returns the consent after the change.
 */
export async function applyOwnerAction(db: Queryable, ownerId: number, cameraId: string, action: OwnerAction): Promise<Consent> {
  const current = await db.query(`SELECT ended_at FROM camera_consents WHERE camera_id = $1 AND owner_id = $2 FOR UPDATE`, [cameraId, ownerId]);
  if (!current.rowCount) throw notFound('camera', cameraId);
  if (current.rows[0].ended_at) throw new AppError('invalid_transition', 'sharing of this camera has ended; ask the city to register a new consent');
  const assignments = {
    pause: 'paused_at = coalesce(paused_at, now())',
    resume: 'paused_at = NULL, resumed_at = CASE WHEN paused_at IS NULL THEN resumed_at ELSE now() END',
    end: 'ended_at = now()',
  }[action];
  const result = await db.query(`UPDATE camera_consents SET ${assignments}, updated_at = now() WHERE camera_id = $1 RETURNING ${consentColumns}`, [cameraId]);
  return result.rows[0];
}
