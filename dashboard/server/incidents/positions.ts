// Where the field teams are: each field user's phone reports its position while on duty (the phone
// asks for consent first; off duty, nothing is kept). A position that would need a speed no vehicle
// in a city reaches is refused and counted, and the last good one stays.
import { withTransaction, type Database, type Queryable } from '@cityops/core/database/pool';
import { AppError, conflict, badRequest } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { once, type IdempotentRequest, type Replayable } from '../idempotency.ts';

/** Faster than this between two reports is a GPS glitch or a spoof, not a team on the move. */
export const MAX_PLAUSIBLE_SPEED_KMH = 200;
/** A position older than this does not place a team. */
export const POSITION_FRESH_SECONDS = 15 * 60;

const reports = counter('cityops_field_positions_total', 'field position reports, by outcome', ['outcome']);

export interface PositionReport {
  lat: number;
  lon: number;
  accuracyM?: number;
  /** When the phone measured it (a report sent later by the outbox carries its own time). */
  measuredAt: Date;
}

const distanceM = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
};

export async function setOnDuty(db: Queryable, userId: number, onDuty: boolean): Promise<void> {
  // Off duty, the position is forgotten: it is personal data, kept only for dispatch.
  await db.query(
    `INSERT INTO field_positions (user_id, on_duty) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET on_duty = $2,
       lat = CASE WHEN $2 THEN field_positions.lat END, lon = CASE WHEN $2 THEN field_positions.lon END,
       accuracy_m = CASE WHEN $2 THEN field_positions.accuracy_m END,
       measured_at = CASE WHEN $2 THEN field_positions.measured_at END, received_at = CASE WHEN $2 THEN field_positions.received_at END`,
    [userId, onDuty],
  );
}

/** A report that would need an impossible speed: refused, and counted on the user's row. */
class ImpossibleJump extends AppError {}

export type PositionAnswer = { stored: boolean; reason?: string };

/** Stores the report, unless it is older than the stored one (an outbox flush) or an impossible jump. */
export async function reportPosition(db: Database, userId: number, report: PositionReport, idempotency?: IdempotentRequest): Promise<Replayable<PositionAnswer>> {
  try {
    return await withTransaction(db, (tx) => once(tx, idempotency, () => storePosition(tx, userId, report)));
  } catch (error) {
    // Counted after the rollback, so that the refusal's count outlives the refused transaction.
    if (error instanceof ImpossibleJump) await db.query(`UPDATE field_positions SET rejected_jumps = rejected_jumps + 1 WHERE user_id = $1`, [userId]);
    throw error;
  }
}

async function storePosition(db: Queryable, userId: number, report: PositionReport): Promise<PositionAnswer> {
  const current = await db.query(`SELECT on_duty, lat, lon, measured_at FROM field_positions WHERE user_id = $1 FOR UPDATE`, [userId]);
  const row = current.rows[0];
  if (!row?.on_duty) {
    reports.inc({ outcome: 'off_duty' });
    throw conflict('you are off duty: start your duty on the phone to share your position', 'onDuty', { reason: 'off_duty' });
  }
  if (report.measuredAt.getTime() > Date.now() + 60_000) {
    reports.inc({ outcome: 'future' });
    throw badRequest('the position is dated in the future: check the phone\'s clock', 'measuredAt', { reason: 'position_in_future' });
  }
  if (row.measured_at && report.measuredAt <= row.measured_at) {
    reports.inc({ outcome: 'older' });
    return { stored: false, reason: 'a newer position is already stored' };
  }
  if (row.lat !== null && row.measured_at) {
    const seconds = Math.max(1, (report.measuredAt.getTime() - row.measured_at.getTime()) / 1000);
    const kmh = (distanceM(row, report) / seconds) * 3.6;
    if (kmh > MAX_PLAUSIBLE_SPEED_KMH) {
      reports.inc({ outcome: 'impossible_jump' });
      throw new ImpossibleJump(
        'invalid',
        `the position is ${Math.round(distanceM(row, report))} m from the last one ${Math.round(seconds)} s earlier (${Math.round(kmh)} km/h): kept the last one; check the phone's location`,
        'lat',
      );
    }
  }
  await db.query(`UPDATE field_positions SET lat = $2, lon = $3, accuracy_m = $4, measured_at = $5, received_at = now() WHERE user_id = $1`, [
    userId,
    report.lat,
    report.lon,
    report.accuracyM ?? null,
    report.measuredAt,
  ]);
  reports.inc({ outcome: 'stored' });
  return { stored: true };
}
