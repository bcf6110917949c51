// The append-only audit log: who did what to which entity, when and from where.
// Every write path (REST, socket, workers acting for a person) calls recordAudit in the same
// transaction as the change, so a change without its audit row cannot be committed.
import type { Queryable } from './database/pool.ts';

export interface Actor {
  userId?: number;
  username: string;
  sourceAddress?: string;
}

/** For changes made by the system itself (a worker, a rule), not by a person. */
export const systemActor = (component: string): Actor => ({ username: `system:${component}` });

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string;
  details?: Record<string, unknown>;
}

/** One entry: the one-record case of recordAudits, so the audit row's columns are written in one place. */
export async function recordAudit(db: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await recordAudits(db, [{ actor, entry }]);
}

/**
 * Several entries in one statement, in this order (their ids rise with it): for writers that gather a
 * group's entries in one transaction (core/database/group-commit.ts) and pay one round trip for them all.
 */
export async function recordAudits(db: Queryable, records: Array<{ actor: Actor; entry: AuditEntry }>): Promise<void> {
  if (records.length === 0) return;
  await db.query({
    name: 'audit-insert-many',
    text: `INSERT INTO audit_log (user_id, username, source_address, action, entity_type, entity_id, details)
     SELECT user_id, username, source_address, action, entity_type, entity_id, details
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
       WITH ORDINALITY AS entry (user_id, username, source_address, action, entity_type, entity_id, details, n)
     ORDER BY entry.n`,
    values: [
      records.map(({ actor }) => actor.userId ?? null),
      records.map(({ actor }) => actor.username),
      records.map(({ actor }) => actor.sourceAddress ?? null),
      records.map(({ entry }) => entry.action),
      records.map(({ entry }) => entry.entityType),
      records.map(({ entry }) => entry.entityId ?? null),
      records.map(({ entry }) => JSON.stringify(entry.details ?? {})),
    ],
  });
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: Date;
  userId: number | null;
  username: string;
  sourceAddress: string | null;
}

/** What an audit search may narrow by; every field optional. */
export interface AuditFilter {
  /** The acting user's name (exact; `system:` names for workers). */
  username?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  since?: Date;
  /** Entries strictly before this time. */
  until?: Date;
  /** Entries older than this id: the next page after a page ending at it. */
  beforeId?: number;
  limit?: number;
}

/** Audit entries matching `filter`, newest first. */
export async function queryAudit(db: Queryable, filter: AuditFilter): Promise<AuditRecord[]> {
  const result = await db.query(
    `SELECT id, at, user_id AS "userId", username, source_address AS "sourceAddress", action,
            entity_type AS "entityType", entity_id AS "entityId", details
     FROM audit_log
     WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2)
       AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
       AND ($5::text IS NULL OR username = $5) AND ($6::text IS NULL OR action = $6)
       AND ($7::bigint IS NULL OR id < $7)
     ORDER BY id DESC LIMIT $8`,
    [
      filter.entityType ?? null,
      filter.entityId ?? null,
      filter.since ?? null,
      filter.until ?? null,
      filter.username ?? null,
      filter.action ?? null,
      filter.beforeId ?? null,
      filter.limit ?? 200,
    ],
  );
  return result.rows;
}

/**
 * The actions and entity types of the latest 5,000 entries, as suggestions for a screen's filters (the
 * whole log of a city runs to millions of rows; a filter still takes any value).
 */
export async function auditVocabulary(db: Queryable): Promise<{ actions: string[]; entityTypes: string[] }> {
  const result = await db.query<{ actions: string[] | null; entity_types: string[] | null }>(
    `WITH recent AS (SELECT action, entity_type FROM audit_log ORDER BY id DESC LIMIT 5000)
     SELECT array_agg(DISTINCT action ORDER BY action) AS actions, array_agg(DISTINCT entity_type ORDER BY entity_type) AS entity_types FROM recent`,
  );
  return { actions: result.rows[0].actions ?? [], entityTypes: result.rows[0].entity_types ?? [] };
}
