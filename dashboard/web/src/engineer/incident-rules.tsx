// The incident rules screen (/engineer/incident-rules, issue #14): the link rules that make incidents of
// alerts and the dispatch policies that set a team's deadlines and escalation ladder. The command room
// reads them; engineers and admins (the roles the API lets change them) get the edit buttons.
import { useCallback, useEffect, useState } from 'react';
import type { DispatchPolicyRule, IncidentLinkRule } from '@cityops/contract/incidents';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { canEngineer, useUser } from '../session.tsx';
import { ErrorNote } from '../ui.tsx';
import { DispatchPoliciesPanel } from './dispatch-policies-panel.tsx';
import { LinkRulesPanel } from './link-rules-panel.tsx';
import './incident-rules.css';

export function IncidentRules() {
  const { t } = useI18n();
  const canEdit = canEngineer(useUser());
  const [rules, setRules] = useState<IncidentLinkRule[]>();
  const [policies, setPolicies] = useState<DispatchPolicyRule[]>();
  const [error, setError] = useState<unknown>();

  const loadRules = useCallback(async () => setRules((await api<{ rules: IncidentLinkRule[] }>('/api/incident-link-rules')).rules), []);
  const loadPolicies = useCallback(async () => setPolicies((await api<{ policies: DispatchPolicyRule[] }>('/api/dispatch-policies')).policies), []);
  useEffect(() => {
    Promise.all([loadRules(), loadPolicies()]).catch(setError);
  }, [loadRules, loadPolicies]);

  return (
    <div className="incident-rules" data-testid="incident-rules" data-can-edit={canEdit}>
      {!canEdit && <p className="muted small rules-explain">{t('rules.readOnly')}</p>}
      <ErrorNote error={error} />
      <LinkRulesPanel rules={rules} canEdit={canEdit} onChanged={loadRules} />
      <DispatchPoliciesPanel policies={policies} canEdit={canEdit} onChanged={loadPolicies} />
    </div>
  );
}
