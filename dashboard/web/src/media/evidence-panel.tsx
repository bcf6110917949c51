// An alert's evidence at hand: its snapshot and evidence clips with time, length and size, in the alert
// detail and on the field phone. A clip's bytes are fetched only when the person taps Play or Download
// (no preload: the list is a few hundred bytes, a clip megabytes on a phone's data plan). Opening a clip
// is audited by the server (one entry per opening); the police download shows the SHA-256 the server
// recorded in the audit log, checked here against the bytes received.
import { useEffect, useState } from 'react';
import type { AlertEvidence, EvidenceClip, EvidenceViewGrant } from '@cityops/contract/evidence';
import { nameIn } from '@cityops/contract/devices';
import { FIELD_WORK } from '@cityops/contract/roles';
import { api } from '../api.ts';
import { durationText } from '../duration-text.ts';
import { useI18n } from '../i18n.tsx';
import { useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { downloadEvidence, type EvidenceExport } from './evidence-download.ts';
import './evidence.css';

/** While a clip is being saved (20 s after its alert), how often the list is asked again, and how many
 *  times: a camera that went offline can leave a clip pending for long, and a detail left open on a wall
 *  must not ask forever (after that a button asks again). */
const PENDING_REFRESH_MS = 10_000;
const PENDING_REFRESHES = 12;

export function EvidencePanel({ alertId, showSnapshots = true, title }: { alertId: number; showSnapshots?: boolean; title?: string }) {
  const { t } = useI18n();
  const [evidence, setEvidence] = useState<AlertEvidence>();
  const [failed, setFailed] = useState(false);
  const [reload, setReload] = useState(0);
  const [autoReloads, setAutoReloads] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api<AlertEvidence>(`/api/alerts/${alertId}/evidence`)
      .then((loaded) => {
        if (cancelled) return;
        setEvidence(loaded);
        setFailed(false);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, [alertId, reload]);

  const savingClip = evidence?.clips.some((clip) => clip.state === 'pending');
  const keepAsking = savingClip && autoReloads < PENDING_REFRESHES;
  useEffect(() => {
    if (!keepAsking) return;
    const timer = setTimeout(() => {
      setAutoReloads((n) => n + 1);
      setReload((n) => n + 1);
    }, PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [keepAsking, evidence]);

  if (failed && !evidence) {
    return (
      <section className="evidence-panel" data-testid="evidence-panel" data-alert-id={alertId}>
        <h3>{title ?? t('evidence.title')}</h3>
        <p className="muted small">{t('evidence.unavailable')}</p>
        <button className="button ghost small" onClick={() => setReload((n) => n + 1)}>
          <Icon name="refresh" /> {t('common.retry')}
        </button>
      </section>
    );
  }
  const snapshots = showSnapshots ? (evidence?.snapshots ?? []) : [];
  if (!evidence || (snapshots.length === 0 && evidence.clips.length === 0)) return null;

  return (
    <section className="evidence-panel" data-testid="evidence-panel" data-alert-id={alertId}>
      <h3>{title ?? t('evidence.title')}</h3>
      <ul className="evidence-list">
        {snapshots.map((snapshot) => (
          <li key={snapshot.url} className="evidence-item" data-testid="evidence-snapshot">
            <a href={snapshot.url} target="_blank" rel="noreferrer" className="evidence-thumb">
              <img src={snapshot.url} alt={t('evidence.snapshot')} loading="lazy" />
            </a>
            <div>
              <div>{t('evidence.snapshot')}</div>
              <EvidenceFacts at={snapshot.at} bytes={snapshot.bytes} />
            </div>
          </li>
        ))}
        {evidence.clips.map((clip) => (
          <ClipItem key={clip.clipId} alertId={alertId} clip={clip} />
        ))}
      </ul>
      {savingClip && !keepAsking && (
        <button
          className="button ghost small"
          onClick={() => {
            setAutoReloads(0);
            setReload((n) => n + 1);
          }}
          data-testid="evidence-check-again"
        >
          <Icon name="refresh" /> {t('common.retry')}
        </button>
      )}
      <p className="muted small">{t('evidence.viewsAudited')}</p>
    </section>
  );
}

function EvidenceFacts({ at, seconds, bytes }: { at: string; seconds?: number | null; bytes: number | null }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const size = bytes == null ? '—' : bytes < 1_000_000 ? t('evidence.kilobytes', { value: number(bytes / 1000) }) : t('evidence.megabytes', { value: number(bytes / 1_000_000, 1) });
  const length = seconds == null ? undefined : durationText(i18n, seconds);
  return (
    <div className="muted small" data-testid="evidence-facts">
      {length ? t('evidence.facts', { time: i18n.dateTime(at), length, size }) : `${i18n.dateTime(at)} · ${size}`}
    </div>
  );
}

function ClipItem({ alertId, clip }: { alertId: number; clip: EvidenceClip }) {
  const { t, language } = useI18n();
  const user = useUser();
  const [videoUrl, setVideoUrl] = useState<string>();
  const [busy, setBusy] = useState<'play' | 'export'>();
  const [exported, setExported] = useState<EvidenceExport>();
  const [error, setError] = useState<string>();
  const clipPath = `/api/alerts/${alertId}/clips/${clip.clipId}`;

  const play = async () => {
    setBusy('play');
    setError(undefined);
    try {
      setVideoUrl((await api<EvidenceViewGrant>(`${clipPath}/view`, { method: 'POST' })).url);
    } catch (caught) {
      setError(t('evidence.openFailed', { reason: (caught as Error).message }));
    } finally {
      setBusy(undefined);
    }
  };
  const exportClip = async () => {
    setBusy('export');
    setError(undefined);
    try {
      setExported(await downloadEvidence(`${clipPath}/download`));
    } catch (caught) {
      setError(t('evidence.openFailed', { reason: (caught as Error).message }));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <li className="evidence-item evidence-clip" data-testid="evidence-clip" data-clip-id={clip.clipId}>
      <div className="evidence-thumb evidence-clip-icon">
        <Icon name="camera" size={24} />
      </div>
      <div className="evidence-clip-body">
        <div>{t('evidence.clip', { camera: nameIn({ name: clip.cameraName, nameEn: clip.cameraNameEn }, language) })}</div>
        <EvidenceFacts at={clip.clipStartAt ?? clip.triggerAt} seconds={clip.durationSeconds} bytes={clip.bytes} />
        {clip.state !== 'saved' && <div className="muted small">{t(`evidence.${clip.state}`)}</div>}
        {clip.state === 'saved' && (
          <div className="evidence-actions">
            {!videoUrl && (
              <button className="button small" disabled={Boolean(busy)} onClick={() => void play()} data-testid="evidence-play">
                ▶ {t('evidence.play')}
              </button>
            )}
            {FIELD_WORK.includes(user.role) && (
              <button className="button ghost small" disabled={Boolean(busy)} onClick={() => void exportClip()} data-testid="evidence-export">
                <Icon name="download" /> {busy === 'export' ? t('evidence.exporting') : t('evidence.export')}
              </button>
            )}
          </div>
        )}
      </div>
      {/* Rendered only once opened: no <video> (so no request) before the tap. Muted: the clip has no sound. */}
      {videoUrl && <video className="evidence-video" src={videoUrl} controls autoPlay muted playsInline preload="auto" data-testid="evidence-video" />}
      {exported && (
        <div className="evidence-hash" data-testid="evidence-export-result">
          <div className="small">{t('evidence.exported', { file: exported.fileName })}</div>
          <code data-testid="evidence-sha256">{exported.sha256}</code>
          {exported.receivedSha256 && (
            <div className={`small ${exported.receivedSha256 === exported.sha256 ? 'form-ok' : 'form-error'}`} data-testid="evidence-hash-check">
              {exported.receivedSha256 === exported.sha256 ? t('evidence.hashChecked') : t('evidence.hashMismatch')}
            </div>
          )}
        </div>
      )}
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
