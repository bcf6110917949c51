// A separate OS process raising `count` identical triggers at once, at `startAtMs` (so two children
// fire together), as camera or sensor workers on other machines would. Prints how many it created.
// argv: <databaseUrl> <count> <startAtMs> <cameraId> [kind]
import { createDatabase } from '../../../core/database/pool.ts';
import { createAlertRaiser } from '../../../core/alerts/raise.ts';
import type { AlertKind } from '../../../contract/alerts.ts';

const [url, countText, startAtText, cameraId, kind = 'stalled_vehicle'] = process.argv.slice(2);
const count = Number(countText);
const db = createDatabase(url, 10);
const raiser = createAlertRaiser({ db });
await db.query('SELECT 1'); // connect before the start line, not after it
const wait = Number(startAtText) - Date.now();
if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
const startedAt = Date.now();
const results = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: kind as AlertKind,
      zoneId: 'lane-2',
      severity: 'major',
      title: { vi: 'Xe dừng trên làn 2', en: 'Vehicle stopped in lane 2' },
      evidence: { data: { trigger: i, pid: process.pid } },
    }),
  ),
);
console.log(JSON.stringify({ created: results.filter((result) => result.created).length, alertIds: [...new Set(results.map((result) => result.alertId))], spreadMs: Date.now() - startedAt }));
await db.end();
