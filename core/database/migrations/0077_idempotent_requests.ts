// Idempotency-Key for every state-changing request, not only alert actions (0013). A phone on a weak
// link resends a request whose answer it never got (the field outbox, dashboard/web/src/field/outbox.ts)
// with the same key; dashboard/server/idempotency.ts makes the resend a replay of the first answer.
// One table for all routes: `request` names what was asked (method and path), `body_sha256` the body,
// `answer` what the route needs to answer again (its response body, or a reference such as an alert
// event id). The primary key is the guarantee: two copies racing each other cannot both be recorded.
// 0013's rows move here with a NULL body hash (their bodies were never kept), then its table goes.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE idempotent_requests (
      user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      idempotency_key text NOT NULL,
      request text NOT NULL,
      -- NULL only for the keys carried over from alert_action_requests.
      body_sha256 text,
      -- NULL only inside the transaction that claimed the key (it is written before that commits).
      answer jsonb,
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, idempotency_key)
    );
    INSERT INTO idempotent_requests (user_id, idempotency_key, request, answer, at)
      SELECT user_id, idempotency_key,
        'POST /api/alerts/' || alert_id || '/' || CASE action WHEN 'note' THEN 'notes' WHEN 'photo' THEN 'photos' ELSE action END,
        jsonb_build_object('eventRowId', event_id), at
      FROM alert_action_requests;
    DROP TABLE alert_action_requests;
  `);
}
