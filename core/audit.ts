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

export async function recordAudit(db: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.query({
    name: 'audit-insert',
    text: `INSERT INTO audit_log (user_id, username, source_address, action, entity_type, entity_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    values: [
      actor.userId ?? null,
      actor.username,
      actor.sourceAddress ?? null,
      entry.action,
      entry.entityType,
      entry.entityId ?? null,
      JSON.stringify(entry.details ?? {}),
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

export async function queryAudit(
  db: Queryable,
  filter: { entityType?: string; entityId?: string; since?: Date; limit?: number },
): Promise<AuditRecord[]> {
  const result = await db.query(
    `SELECT id, at, user_id AS "userId", username, source_address AS "sourceAddress", action,
            entity_type AS "entityType", entity_id AS "entityId", details
     FROM audit_log
     WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2)
       AND ($3::timestamptz IS NULL OR at >= $3)
     ORDER BY id DESC LIMIT $4`,
    [filter.entityType ?? null, filter.entityId ?? null, filter.since ?? null, filter.limit ?? 200],
  );
  return result.rows;
}
