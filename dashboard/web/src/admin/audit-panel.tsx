// The audit log for administrators: who did what to which entity, when and from where. Search by user,
// action, entity and time; page back with "Older entries"; export what the search finds as CSV.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { EmptyState, ErrorNote, Spinner } from '../ui.tsx';
import { useAdminUsers } from './users-panel.tsx';

interface AuditEntry {
  id: number;
  at: string;
  username: string;
  sourceAddress: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown>;
}
interface Filter {
  username: string;
  action: string;
  entityType: string;
  entityId: string;
  since: string;
  until: string;
}
const EMPTY: Filter = { username: '', action: '', entityType: '', entityId: '', since: '', until: '' };
const PAGE = 100;

/** The filter as a query string; the time fields (the browser's local time) as ISO instants. */
function queryOf(filter: Filter): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) {
    if (!value) continue;
    query.set(name, name === 'since' || name === 'until' ? new Date(value).toISOString() : value);
  }
  return query;
}

export function AuditPanel() {
  const { t, dateTime } = useI18n();
  const { users } = useAdminUsers();
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [more, setMore] = useState(false);
  const [vocabulary, setVocabulary] = useState<{ actions: string[]; entityTypes: string[] }>({ actions: [], entityTypes: [] });
  const [error, setError] = useState<unknown>();

  useEffect(() => void api<{ actions: string[]; entityTypes: string[] }>('/api/audit/vocabulary').then(setVocabulary, setError), []);
  useEffect(() => {
    let current = true;
    setEntries(undefined);
    setError(undefined);
    const query = queryOf(filter);
    query.set('limit', String(PAGE));
    api<{ entries: AuditEntry[] }>(`/api/audit?${query}`).then(
      (answer) => {
        if (!current) return;
        setEntries(answer.entries);
        setMore(answer.entries.length === PAGE);
      },
      (caught) => current && setError(caught),
    );
    return () => {
      current = false;
    };
  }, [filter]);

  const older = async () => {
    const query = queryOf(filter);
    query.set('limit', String(PAGE));
    query.set('beforeId', String(entries![entries!.length - 1].id));
    try {
      const answer = await api<{ entries: AuditEntry[] }>(`/api/audit?${query}`);
      setEntries([...entries!, ...answer.entries]);
      setMore(answer.entries.length === PAGE);
    } catch (caught) {
      setError(caught);
    }
  };
  const search = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
  };
  const field = (name: keyof Filter, label: string, input: { type?: string; list?: string } = {}) => (
    <label className="form-field">
      <span>{label}</span>
      <input name={`audit-${name}`} value={draft[name]} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} type={input.type ?? 'text'} list={input.list} data-testid={`audit-filter-${name}`} />
    </label>
  );

  return (
    <>
      <form className="panel admin-create audit-filter" onSubmit={search} data-testid="audit-filter">
        <h2>{t('audit.title')}</h2>
        <div className="admin-create-row">
          {field('username', t('audit.user'), { list: 'audit-users' })}
          {field('action', t('audit.action'), { list: 'audit-actions' })}
          {field('entityType', t('audit.entityType'), { list: 'audit-entity-types' })}
          {field('entityId', t('audit.entityId'))}
          {field('since', t('audit.since'), { type: 'datetime-local' })}
          {field('until', t('audit.until'), { type: 'datetime-local' })}
          <button className="button primary" type="submit" data-testid="audit-search">
            {t('audit.search')}
          </button>
          <a className="button" href={`/api/audit/export.csv?${queryOf(filter)}`} download data-testid="audit-export">
            {t('audit.export')}
          </a>
        </div>
        <datalist id="audit-users">{users?.map((user) => <option key={user.id} value={user.username} />)}</datalist>
        <datalist id="audit-actions">{vocabulary.actions.map((action) => <option key={action} value={action} />)}</datalist>
        <datalist id="audit-entity-types">{vocabulary.entityTypes.map((type) => <option key={type} value={type} />)}</datalist>
      </form>
      <ErrorNote error={error} />
      {!entries ? (
        !error && <Spinner label={t('common.loading')} />
      ) : entries.length === 0 ? (
        <EmptyState icon="search" title={t('audit.none')} />
      ) : (
        <section className="panel table-panel audit-panel">
          <div className="table-scroll">
            <table className="data-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>{t('audit.at')}</th>
                  <th>{t('audit.user')}</th>
                  <th>{t('audit.address')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.entity')}</th>
                  <th>{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => {
                  const details = JSON.stringify(entry.details);
                  return (
                    <tr key={entry.id} data-testid="audit-row" data-action={entry.action} data-entity-type={entry.entityType}>
                      <td className="mono small">{dateTime(entry.at)}</td>
                      <td>{entry.username}</td>
                      <td className="mono small">{entry.sourceAddress ?? '—'}</td>
                      <td>{entry.action}</td>
                      <td className="mono small">
                        {entry.entityType}
                        {entry.entityId ? ` ${entry.entityId}` : ''}
                      </td>
                      <td className="mono small audit-details" title={details}>
                        {details === '{}' ? '' : details}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {more && (
            <button className="button audit-older" onClick={() => void older()} data-testid="audit-older">
              {t('audit.older')}
            </button>
          )}
        </section>
      )}
    </>
  );
}
