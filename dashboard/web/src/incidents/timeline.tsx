// An incident's timeline, newest first: each entry's sentence (timeline-sentences.ts), its note, and
// the alerts and incidents it names as links.
import type { ReactNode } from 'react';
import type { IncidentTimelineEntry } from '@cityops/contract/incidents';
import { useI18n } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { EmptyState } from '../ui.tsx';
import { describeEntry } from './timeline-sentences.ts';

/** The alerts and incidents an entry names, as links. */
function entryLinks(entry: IncidentTimelineEntry): ReactNode[] {
  const data = entry.data ?? {};
  const links: ReactNode[] = [];
  const alertIds = new Set<number>();
  if (typeof data.alertId === 'number') alertIds.add(data.alertId);
  if (entry.type !== 'split' && entry.type !== 'merged' && Array.isArray(data.alertIds)) for (const id of data.alertIds) if (typeof id === 'number') alertIds.add(id);
  for (const id of alertIds) {
    links.push(
      <Link key={`alert-${id}`} to={`/alerts/${id}`} className="timeline-link">
        ⚠ #{id}
      </Link>,
    );
  }
  for (const key of ['fromId', 'intoId', 'createdId']) {
    const id = data[key];
    if (typeof id === 'number') {
      links.push(
        <Link key={`incident-${id}`} to={`/incidents/${id}`} className="timeline-link" data-testid="timeline-incident-link">
          → #{id}
        </Link>,
      );
    }
  }
  return links;
}

export function Timeline({ entries }: { entries: readonly IncidentTimelineEntry[] }) {
  const i18n = useI18n();
  if (!entries.length) return <EmptyState icon="check" title={i18n.t('timeline.empty')} />;
  // Newest first: the operator reads what just happened.
  const newestFirst = [...entries].reverse();
  return (
    <ol className="timeline" data-testid="incident-timeline">
      {newestFirst.map((entry) => {
        const links = entryLinks(entry);
        return (
          <li key={entry.id} className={`timeline-entry ${entry.type}`} data-testid="timeline-entry" data-type={entry.type}>
            <time dateTime={entry.at} title={i18n.dateTime(entry.at)}>
              {i18n.time(entry.at)}
            </time>
            <div className="timeline-body">
              <span className="timeline-text">{describeEntry(i18n, entry)}</span>
              {entry.note && <q className="timeline-note">{entry.note}</q>}
              {links.length > 0 && <span className="timeline-links">{links}</span>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
