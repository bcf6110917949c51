// Threshold changes the system proposes from operators' false alarms (#16 part 7), under the precision
// table: "Crowd at 12 persons instead of 6 from 17:00 to 19:00", what it would have done to the period's
// alerts, the threshold editable with its preview following, and nothing changed until the engineer
// applies it (and confirms).
import { useEffect, useState } from 'react';
import type { RuleChange, RuleChangePreview, RuleProposal } from '@cityops/contract/alerts';
import { api } from '../api.ts';
import type { Translate } from '../i18n-core.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { ErrorNote } from '../ui.tsx';

export function RuleProposals({ days }: { days: number }) {
  const { t } = useI18n();
  const [proposals, setProposals] = useState<RuleProposal[]>();
  const [error, setError] = useState<unknown>();
  const [applied, setApplied] = useState<string[]>([]);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    setError(undefined);
    api<{ proposals: RuleProposal[] }>(`/api/alerts/rule-proposals?days=${days}`)
      .then((answer) => current && setProposals(answer.proposals))
      .catch((caught) => current && setError(caught));
    return () => {
      current = false;
    };
  }, [days, reload]);

  return (
    <section className="panel rule-proposals" data-testid="rule-proposals">
      <header className="panel-header">
        <h2>{t('proposal.title')}</h2>
      </header>
      <p className="muted small precision-hint">{t('proposal.hint')}</p>
      <ErrorNote error={error} />
      {applied.map((text) => (
        <p key={text} className="form-ok proposal-applied" data-testid="proposal-applied">
          {text}
        </p>
      ))}
      {proposals && proposals.length === 0 && <p className="muted precision-hint">{t('proposal.empty')}</p>}
      {proposals?.map((proposal) => (
        <ProposalCard
          key={`${proposal.cameraId}:${proposal.zoneId}:${proposal.kind}`}
          proposal={proposal}
          days={days}
          onApplied={(text) => {
            setApplied((list) => [...list, text]);
            setReload((n) => n + 1);
          }}
        />
      ))}
    </section>
  );
}

function ProposalCard({ proposal, days, onApplied }: { proposal: RuleProposal; days: number; onApplied(text: string): void }) {
  const { t } = useI18n();
  const [threshold, setThreshold] = useState(proposal.threshold);
  const [preview, setPreview] = useState<RuleChangePreview>(proposal.preview);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const change: RuleChange = { cameraId: proposal.cameraId, zoneId: proposal.zoneId, kind: proposal.kind, from: proposal.from, to: proposal.to, threshold };

  // The preview follows the threshold the engineer types.
  useEffect(() => {
    if (threshold === proposal.threshold) return setPreview(proposal.preview);
    if (!Number.isInteger(threshold) || threshold < 1) return;
    let current = true;
    api<{ preview: RuleChangePreview }>('/api/alerts/rule-changes/preview', { method: 'POST', body: { change: { ...change, threshold }, days } })
      .then((answer) => current && setPreview(answer.preview))
      .catch((caught) => current && setError(caught));
    return () => {
      current = false;
    };
  }, [threshold, days, proposal]);

  const sentence = describeChange(t, { ...proposal, threshold });
  const apply = async () => {
    setError(undefined);
    try {
      await api('/api/alerts/rule-changes', { method: 'POST', body: { change, days } });
      onApplied(t('proposal.applied', { change: sentence }));
    } catch (caught) {
      setError(caught);
      setConfirming(false);
    }
  };

  return (
    <article className="proposal-card" data-testid="rule-proposal" data-camera-id={proposal.cameraId} data-zone-id={proposal.zoneId}>
      <p className="proposal-sentence" data-testid="proposal-sentence">
        {sentence}
      </p>
      <p className="proposal-preview" data-testid="proposal-preview">
        {t('proposal.preview', { days, suppressed: preview.suppressedFalseAlarms, falseAlarms: preview.falseAlarms, missed: preview.missedRealAlerts, real: preview.realAlerts })}
        {preview.uncounted > 0 && <span className="muted small"> {t('proposal.uncounted', { uncounted: preview.uncounted })}</span>}
      </p>
      <div className="proposal-actions">
        <label className="rule-param">
          <span>{t('proposal.threshold')}</span>
          <input type="number" min={1} step={1} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="proposal-threshold" />
        </label>
        {!confirming && (
          <button className="button primary" onClick={() => setConfirming(true)} data-testid="proposal-apply">
            {t('proposal.apply')}
          </button>
        )}
        {confirming && (
          <>
            <button className="button danger" onClick={() => void apply()} data-testid="proposal-confirm">
              {t('proposal.confirm')}
            </button>
            <button className="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </>
        )}
      </div>
      <ErrorNote error={error} />
    </article>
  );
}

/** "Crowd on Bus stop (zone bus-stop): 12 persons instead of 6 from 17:00 to 19:00". */
export function describeChange(t: Translate, change: { kind: RuleChange['kind']; cameraName: string; zoneId: string; threshold: number; currentThreshold: number; from: string | null; to: string | null }): string {
  const params = {
    rule: t(`kind.${change.kind}` as MessageKey),
    camera: change.cameraName,
    zone: change.zoneId,
    threshold: change.threshold,
    current: change.currentThreshold,
    unit: t(`proposal.unit.${change.kind}` as MessageKey),
  };
  return change.from === null || change.to === null ? t('proposal.sentenceAllDay', params) : t('proposal.sentence', { ...params, from: change.from, to: change.to });
}
