// The alert as people and other systems see it: REST lists, live events, MQTT copies, replay.
// Evidence data and images are not part of it (they can be large): the detail route adds them.
// Built in SQL (alert_view, migration 0012); its type, shared with the web, is @cityops/contract/alerts.
import type { AlertSeverity, AlertView } from '@cityops/contract/alerts';

/**
 * SELECT expression giving the view as JSON (column `view`); `a` is the alerts alias. The view is
 * built by the SQL function alert_view (migration 0012), the one definition used by REST, live
 * events, replays and MQTT copies alike.
 */
export const ALERT_VIEW = 'alert_view(a) AS view';

export const alertViewOf = (row: Record<string, unknown>) => row.view as AlertView;

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, minor: 1, major: 2, critical: 3 };
export const severityRank = (severity: AlertSeverity) => SEVERITY_RANK[severity];
