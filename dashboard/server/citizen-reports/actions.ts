// What happens to a report after it arrived: an operator rejects it (spam, a joke, not the city's
// business) with a reason the resident is shown; the resident rates the handling once it is resolved.
// Each is one transaction with its audit row (and, for a rejection, the incident's timeline).
import { recordAudit, systemActor, type Actor } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import { AppError, notFound, conflict } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import type { PublicReportView } from '@cityops/contract/citizen-reports';
import { publishIncident, type IncidentDeps } from '../incidents/live.ts';
import { addIncidentEvent, lockIncident, writeIncidentState } from '../incidents/repository.ts';
import { endActiveAssignment } from '../incidents/dispatch.ts';
import { hasOtherSources, markRejected, recordRating, reportByCode, reportById } from './repository.ts';
import { publicState, publicView } from './public-view.ts';

const rejections = counter('cityops_citizen_reports_rejected_total', 'residents\' reports operators rejected');
const ratings = counter('cityops_citizen_report_ratings_total', 'ratings residents gave, by stars', ['stars']);

/**
 * Rejects the report with a reason. An incident the report alone opened, still open, is closed with it
 * (nothing else says it exists); one with other sources only loses this report from its count.
 */
export async function rejectReport(deps: IncidentDeps, actor: Actor, reportId: number, reason: string): Promise<{ incidentClosed: boolean }> {
  const outcome = await withTransaction(deps.db, async (tx) => {
    const { incidentId } = await reportById(tx, reportId);
    // The incident first, as every incident change does (no deadlock with a dispatcher).
    const incident = await lockIncident(tx, incidentId);
    const report = await reportById(tx, reportId, true);
    if (report.rejectedAt) throw conflict(`report ${report.code} was rejected already by ${report.rejectedByName ?? 'someone'}`, 'reason', { reason: 'report_already_rejected', params: { code: report.code, by: report.rejectedByName ?? '?' } });
    await markRejected(tx, reportId, actor, reason);
    await addIncidentEvent(tx, incidentId, actor, { type: 'report_rejected', note: reason, data: { reportId, code: report.code } });
    const closeIncident = incident.state === 'open' && !(await hasOtherSources(tx, incidentId, reportId));
    if (closeIncident) {
      await writeIncidentState(tx, incidentId, 'closed');
      await endActiveAssignment(tx, deps, actor, incidentId, 'closed');
      await addIncidentEvent(tx, incidentId, actor, { type: 'state', note: `the only report was rejected: ${reason}`, data: { from: incident.state, to: 'closed' } });
    }
    await recordAudit(tx, actor, { action: 'reject', entityType: 'citizen_report', entityId: String(reportId), details: { incidentId, incidentClosed: closeIncident, reasonChars: reason.length } });
    await publishIncident(tx, deps.live, incidentId);
    return { incidentClosed: closeIncident };
  });
  rejections.inc();
  return outcome;
}

/** The resident's rating, once, after the report is resolved. */
export async function rateReport(deps: IncidentDeps, code: string, rating: { stars: number; comment?: string }, sourceAddress: string): Promise<PublicReportView> {
  return withTransaction(deps.db, async (tx) => {
    const found = await reportByCode(tx, code);
    if (!found) throw notFound('report', code);
    const report = await reportById(tx, found.id, true);
    const state = await publicState(tx, report);
    if (state !== 'resolved') throw new AppError('invalid_transition', `report ${code} is ${state.replace('_', ' ')}; it can be rated once it is resolved`, 'stars');
    const comment = rating.comment?.trim() || null;
    if (!(await recordRating(tx, report.id, rating.stars, comment))) throw conflict(`report ${code} was rated already`, 'stars', { reason: 'report_already_rated', params: { code } });
    const actor: Actor = { ...systemActor('resident-report'), username: 'resident', sourceAddress };
    await addIncidentEvent(tx, report.incidentId, actor, { type: 'report_rated', note: comment ?? undefined, data: { reportId: report.id, code, stars: rating.stars } });
    await recordAudit(tx, actor, { action: 'rate', entityType: 'citizen_report', entityId: String(report.id), details: { stars: rating.stars, commentChars: comment?.length ?? 0 } });
    ratings.inc({ stars: String(rating.stars) });
    return publicView(tx, await reportById(tx, report.id));
  });
}

