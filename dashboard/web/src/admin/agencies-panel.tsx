// The agency registry (admins: the API lets no other role change it): every responding agency with what
// it covers, how it receives work (the webhook's host only: its URL is a secret the API never answers),
// its phone and teams; create, edit, disable or enable, delete. The routing rule itself is fixed on the
// server (agencies.ts): this page says it in words, and the incident page shows its proposals.
import { useCallback, useEffect, useState } from 'react';
import type { Agency } from '@cityops/contract/agencies';
import type { Team } from '@cityops/contract/people';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { AgencyForm, DELIVERY_LABELS, deliversToUrl } from './agency-form.tsx';
import './agencies.css';

/** The body that changes only `enabled`: without webhookUrl the server keeps the stored URL. */
const withEnabled = (agency: Agency, enabled: boolean) => ({
  name: agency.name,
  kind: agency.kind,
  districtIds: agency.districtIds,
  incidentKinds: agency.incidentKinds,
  delivery: agency.delivery,
  mqttTopic: agency.mqttTopic,
  phone: agency.phone,
  enabled,
});

export function AgenciesPanel() {
  const { t, language } = useI18n();
  const live = useLive();
  const [agencies, setAgencies] = useState<Agency[]>();
  const [teams, setTeams] = useState<Team[]>([]);
  const [editing, setEditing] = useState<Agency | 'new'>();
  const [deleting, setDeleting] = useState<number>();
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const [agencyList, teamList] = await Promise.all([api<{ agencies: Agency[] }>('/api/agencies'), api<{ teams: Team[] }>('/api/teams')]);
    setAgencies(agencyList.agencies);
    setTeams(teamList.teams);
  }, []);
  useEffect(() => void load().catch(setError), [load]);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      await action();
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setDeleting(undefined);
    }
  };

  const districtName = (id: string) => live.districtName(id, language)!;
  const teamName = (id: number) => teams.find((team) => team.id === id)?.name ?? `#${id}`;

  return (
    <div className="agencies-page" data-testid="agencies-panel">
      {editing && (
        <AgencyForm
          key={editing === 'new' ? 'new' : editing.id}
          agency={editing === 'new' ? undefined : editing}
          agencies={agencies ?? []}
          teams={teams}
          onCancel={() => setEditing(undefined)}
          onSaved={(agency) => {
            setEditing(undefined);
            setSaved(t('agencies.saved', { name: agency.name }));
            void load().catch(setError);
          }}
        />
      )}
      <section className="panel table-panel">
        <header className="panel-header">
          <h2>
            {t('admin.agencies')} <span className="panel-count">{agencies?.length ?? ''}</span>
          </h2>
          <button className="button primary small" type="button" onClick={() => setEditing('new')} disabled={editing === 'new'} data-testid="agency-new">
            <Icon name="plus" size={14} /> {t('agencies.new')}
          </button>
        </header>
        <p className="muted small agency-explain">{t('agencies.explain')}</p>
        {saved && (
          <p className="form-ok agency-explain" role="status" data-testid="agency-saved">
            {saved}
          </p>
        )}
        <ErrorNote error={error} />
        {!agencies ? (
          <Spinner label={t('common.loading')} />
        ) : agencies.length === 0 ? (
          <EmptyState icon="incident" title={t('agencies.none')} />
        ) : (
          <div className="table-scroll">
            <table className="data-table agency-table" data-testid="agency-table">
              <thead>
                <tr>
                  <th>{t('agencies.name')}</th>
                  <th>{t('agencies.districts')}</th>
                  <th>{t('agencies.incidentKinds')}</th>
                  <th>{t('agencies.delivery')}</th>
                  <th>{t('agencies.phone')}</th>
                  <th>{t('agencies.state')}</th>
                  <th>{t('agencies.teams')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {agencies.map((agency) => (
                  <tr key={agency.id} className={agency.enabled ? '' : 'disabled'} data-testid="agency-row" data-agency-name={agency.name} data-enabled={agency.enabled}>
                    <td>
                      <strong>{agency.name}</strong>
                      <div className="muted small">{t(`agency.kind.${agency.kind}`)}</div>
                    </td>
                    <td className="cover">{agency.districtIds.length ? agency.districtIds.map(districtName).join(', ') : <span className="muted">{t('agencies.wholeCity')}</span>}</td>
                    <td className="cover">{agency.incidentKinds.length ? agency.incidentKinds.map((kind) => t(`incidentKind.${kind}`)).join(', ') : <span className="muted">{t('agencies.allKinds')}</span>}</td>
                    <td data-testid="agency-delivery-cell">
                      {t(DELIVERY_LABELS[agency.delivery])}
                      {deliversToUrl(agency.delivery) && agency.webhookHost && <div className="mono small">{agency.webhookHost}</div>}
                      {agency.delivery === 'mqtt' && agency.mqttTopic && <div className="mono small">{agency.mqttTopic}</div>}
                    </td>
                    <td className="mono">{agency.phone ?? <span className="muted">—</span>}</td>
                    <td>
                      <span className={`state-chip ${agency.enabled ? 'ok' : 'offline'}`}>{t(agency.enabled ? 'agencies.on' : 'agencies.off')}</span>
                    </td>
                    <td>{agency.teamIds.length ? agency.teamIds.map(teamName).join(', ') : <span className="muted">—</span>}</td>
                    <td className="action-cell">
                      {deleting === agency.id ? (
                        <>
                          <span className="muted small" title={t('agencies.deleteExplain')}>
                            {t('agencies.deleteExplain')}
                          </span>{' '}
                          <button className="button small danger" disabled={busy} onClick={() => void run(() => api(`/api/agencies/${agency.id}`, { method: 'DELETE' }))} data-testid="agency-delete-confirm">
                            {t('agencies.confirmDelete')}
                          </button>
                          <button className="button small ghost" onClick={() => setDeleting(undefined)}>
                            {t('common.cancel')}
                          </button>
                        </>
                      ) : (
                        <>
                          <button className="button small" disabled={busy} onClick={() => setEditing(agency)} data-testid="agency-edit">
                            {t('common.edit')}
                          </button>
                          <button
                            className={`button small ${agency.enabled ? 'danger' : ''}`}
                            disabled={busy}
                            onClick={() => void run(() => api(`/api/agencies/${agency.id}`, { method: 'PUT', body: withEnabled(agency, !agency.enabled) }))}
                            data-testid="agency-toggle"
                          >
                            {t(agency.enabled ? 'agencies.disable' : 'agencies.enable')}
                          </button>
                          <button className="button small ghost" disabled={busy} onClick={() => setDeleting(agency.id)} data-testid="agency-delete">
                            {t('common.delete')}
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
