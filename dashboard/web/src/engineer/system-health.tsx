// The server's own components (roles, periodic jobs, database, broker), from the public /readyz: the
// ones not working normally are listed with the time they entered that state. No error text is shown
// (/readyz has none): the server log has the details.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';

/** The shape of GET /readyz (dashboard/server/operations-routes.ts). */
interface Readiness {
  status: 'ready' | 'degraded' | 'not_ready';
  components: { name: string; state: 'ok' | 'degraded' | 'down'; since: string }[];
}

const REFRESH_MS = 15_000;
const DOT_CLASS = { ok: 'ok', degraded: 'degraded', down: 'level3' } as const;

export function SystemHealth() {
  const i18n = useI18n();
  const { t } = i18n;
  const [readiness, setReadiness] = useState<Readiness | 'unreachable'>();
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        // A 503 still carries the components: read the body whatever the status.
        const response = await fetch('/readyz', { headers: { accept: 'application/json' } });
        const body = (await response.json()) as Readiness;
        if (!cancelled) setReadiness(Array.isArray(body.components) ? body : 'unreachable');
      } catch {
        if (!cancelled) setReadiness('unreachable');
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  if (!readiness) return null;
  const notOk = readiness === 'unreachable' ? [] : readiness.components.filter((component) => component.state !== 'ok');
  const okCount = readiness === 'unreachable' ? 0 : readiness.components.length - notOk.length;
  return (
    <section className="panel table-panel" data-testid="system-health">
      <header className="panel-header">
        <h2>{t('system.health')}</h2>
        <div className="health-counts">
          {readiness === 'unreachable' ? (
            <span className="error-text">{t('system.unreachable')}</span>
          ) : notOk.length === 0 ? (
            <span className="legend-item">
              <span className="state-dot ok" /> {t('system.allOk', { count: okCount })}
            </span>
          ) : (
            <span className="legend-item">{t('system.someNotOk', { count: okCount })}</span>
          )}
        </div>
      </header>
      {notOk.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th>{t('engineer.state')}</th>
                <th>{t('system.component')}</th>
                <th>{t('system.since')}</th>
              </tr>
            </thead>
            <tbody>
              {notOk.map((component) => (
                <tr key={component.name} data-testid={`system-component-${component.name}`}>
                  <td>
                    <span className={`state-dot inline ${DOT_CLASS[component.state]}`} /> {t(`system.state.${component.state}` as MessageKey)}
                  </td>
                  <td className="mono">{component.name}</td>
                  <td>{`${i18n.dateTime(component.since)} (${i18n.ago(component.since)})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
