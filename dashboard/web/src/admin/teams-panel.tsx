// Field teams: create, rename, and choose their members among the field users. Membership changes
// reach the members' open field views at once (the server moves their live sockets between rooms).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Team } from '@cityops/contract/people';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { DistrictSelect } from '../district-select.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { useAdminUsers, type AdminUser } from './users-panel.tsx';


function TeamCard({ team, fieldUsers, onChange }: { team: Team; fieldUsers: AdminUser[]; onChange: (action: () => Promise<unknown>) => Promise<void> }) {
  const { t } = useI18n();
  const [name, setName] = useState(team.name);
  const [candidate, setCandidate] = useState('');
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const path = `/api/teams/${team.id}`;
  const candidates = fieldUsers.filter((user) => !user.disabled && !team.members.some((member) => member.userId === user.id));
  const rename = (event: FormEvent) => {
    event.preventDefault();
    void onChange(() => api(path, { method: 'PATCH', body: { name } }));
  };
  return (
    <section className="panel team-card" data-testid="team-card" data-team-name={team.name}>
      <form className="team-rename" onSubmit={rename}>
        <input value={name} onChange={(e) => setName(e.target.value)} aria-label={t('admin.teamName')} required maxLength={100} data-testid="team-name" />
        <button className="button small" type="submit" disabled={name.trim() === team.name || !name.trim()}>
          {t('admin.rename')}
        </button>
      </form>
      <h3 className="muted small">
        {t('admin.members')} <span className="panel-count">{team.members.length}</span>
      </h3>
      {team.members.length === 0 ? (
        <p className="muted small">{t('admin.noMembers')}</p>
      ) : (
        <ul className="team-members">
          {team.members.map((member) => (
            <li key={member.userId} data-testid="team-member" data-username={member.username}>
              <Icon name="user" size={15} /> {member.displayName || member.username} <span className="muted mono small">{member.username}</span>
              <button
                className="icon-button"
                type="button"
                title={t('admin.removeMember', { user: member.username })}
                aria-label={t('admin.removeMember', { user: member.username })}
                onClick={() => void onChange(() => api(`${path}/members/${member.userId}`, { method: 'DELETE' }))}
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="team-add">
        <select value={candidate} onChange={(e) => setCandidate(e.target.value)} aria-label={t('admin.addMember')} data-testid="team-candidate">
          <option value="">{t('admin.chooseMember')}</option>
          {candidates.map((user) => (
            <option key={user.id} value={user.id}>
              {user.displayName || user.username} ({user.username})
            </option>
          ))}
        </select>
        <button
          className="button small primary"
          type="button"
          disabled={!candidate}
          data-testid="team-add-member"
          onClick={() => void onChange(() => api(`${path}/members/${candidate}`, { method: 'PUT' })).then(() => setCandidate(''))}
        >
          <Icon name="plus" size={14} /> {t('admin.addMember')}
        </button>
      </div>
      <div className="team-delete">
        {!confirmingDelete ? (
          <button className="button small" type="button" onClick={() => setConfirmingDelete(true)} data-testid="team-delete">
            <Icon name="close" size={14} /> {t('admin.deleteTeam')}
          </button>
        ) : (
          <>
            <span className="small">{t('admin.deleteTeamConfirm', { team: team.name })}</span>
            <button className="button small danger" type="button" onClick={() => void onChange(() => api(path, { method: 'DELETE' }))} data-testid="team-delete-confirm">
              {t('admin.deleteTeam')}
            </button>
            <button className="button small" type="button" onClick={() => setConfirmingDelete(false)}>
              {t('common.cancel')}
            </button>
          </>
        )}
      </div>
    </section>
  );
}

export function TeamsPanel() {
  const { t } = useI18n();
  const { users } = useAdminUsers();
  const [teams, setTeams] = useState<Team[]>();
  const [draft, setDraft] = useState({ name: '', districtId: '', phone: '' });
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => setTeams((await api<{ teams: Team[] }>('/api/teams')).teams), []);
  useEffect(() => void load().catch(setError), [load]);

  const change = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      await load();
    } catch (failure) {
      setError(failure);
    }
  };
  const create = (event: FormEvent) => {
    event.preventDefault();
    const body = { name: draft.name.trim(), districtId: draft.districtId || null, phone: draft.phone.trim() || null };
    void change(() => api('/api/teams', { method: 'POST', body })).then(() => setDraft({ name: '', districtId: '', phone: '' }));
  };
  const fieldUsers = (users ?? []).filter((user) => user.role === 'field');

  return (
    <>
      <form className="panel admin-create" onSubmit={create} data-testid="team-create">
        <h2>{t('admin.newTeam')}</h2>
        <div className="admin-create-row">
          <label className="form-field">
            <span>{t('admin.teamName')}</span>
            <input name="team-name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required maxLength={100} />
          </label>
          <label className="form-field">
            <span>{t('alert.district')}</span>
            <DistrictSelect value={draft.districtId} onChange={(e) => setDraft({ ...draft, districtId: e.target.value })} />
          </label>
          <label className="form-field">
            <span>{t('admin.teamPhone')}</span>
            <input value={draft.phone} onChange={(e) => setDraft({ ...draft, phone: e.target.value })} maxLength={40} inputMode="tel" />
          </label>
          <button className="button primary" type="submit" data-testid="team-create-submit">
            {t('admin.create')}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {!teams ? (
        <Spinner label={t('common.loading')} />
      ) : teams.length === 0 ? (
        <EmptyState icon="field" title={t('admin.noTeams')} />
      ) : (
        <div className="team-grid">
          {teams.map((team) => (
            <TeamCard key={`${team.id}-${team.name}`} team={team} fieldUsers={fieldUsers} onChange={change} />
          ))}
        </div>
      )}
    </>
  );
}
