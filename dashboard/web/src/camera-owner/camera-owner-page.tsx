// The camera owner's page, opened from the link the city gave them (no account): their cameras' health,
// what they share and when, who viewed them, and pause / resume / end. Phone first. The link token is the
// credential: it only goes to this server's /api/camera-owner/ routes.
import { useCallback, useEffect, useState } from 'react';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import './camera-owner.css';

interface OwnerCamera {
  id: string;
  name: string;
  health: { state: 'online' | 'degraded' | 'offline'; lastFrameAt: string | null };
  sharesLive: boolean;
  sharesAnalysis: boolean;
  sharesClips: boolean;
  hours: { from: string; to: string } | null;
  clipRetentionDays: number;
  sharingNow: 'sharing' | 'paused' | 'ended' | 'not_yet' | 'outside_hours';
}

interface OwnerPageData {
  owner: { name: string };
  cameras: OwnerCamera[];
  views: Array<{ at: string; cameraName: string; kind: 'live' | 'snapshot' | 'clip'; viewer: string }>;
}

export default function CameraOwnerPage({ token }: { token: string }) {
  const { t, dateTime } = useI18n();
  const [data, setData] = useState<OwnerPageData | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const base = `/api/camera-owner/${encodeURIComponent(token)}`;

  const load = useCallback(async () => {
    const response = await fetch(base, { cache: 'no-store' });
    setData(response.ok ? ((await response.json()) as OwnerPageData) : null);
  }, [base]);

  useEffect(() => {
    void load().catch(() => setData(null));
  }, [load]);

  const act = async (cameraId: string, action: 'pause' | 'resume' | 'end') => {
    if (action === 'end' && !window.confirm(t('owner.endConfirm'))) return;
    setBusy(true);
    setFailed(false);
    try {
      const response = await fetch(`${base}/cameras/${encodeURIComponent(cameraId)}/${action}`, { method: 'POST' });
      if (!response.ok) setFailed(true);
      await load();
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="camera-owner" data-testid="camera-owner-page">
      <header>
        <h1>{t('owner.title')}</h1>
        <LanguageSwitch />
      </header>
      {data === null && <p className="camera-owner-error">{t('owner.invalidLink')}</p>}
      {data === undefined && <p>{t('common.loading')}</p>}
      {data && (
        <>
          <p className="camera-owner-name">{data.owner.name}</p>
          {failed && <p className="camera-owner-error" role="alert">{t('owner.actionFailed')}</p>}
          {data.cameras.map((camera) => (
            <section key={camera.id} className="camera-owner-card" data-testid={`owner-camera-${camera.id}`}>
              <h2>{camera.name}</h2>
              <p className={`health health-${camera.health.state}`}>
                {t(`owner.${camera.health.state}` as MessageKey)} ·{' '}
                {camera.health.lastFrameAt ? t('owner.lastFrame', { time: dateTime(camera.health.lastFrameAt) }) : t('owner.noFrame')}
              </p>
              <p className={`sharing sharing-${camera.sharingNow}`} data-testid="sharing-state">
                {t(`owner.${camera.sharingNow}` as MessageKey)}
              </p>
              <p>{t('owner.shares')}:</p>
              <ul>
                {camera.sharesLive && <li>{t('owner.shareLive')}</li>}
                {camera.sharesAnalysis && <li>{t('owner.shareAnalysis')}</li>}
                {camera.sharesClips && <li>{t('owner.shareClips', { days: camera.clipRetentionDays })}</li>}
                <li>{camera.hours ? t('owner.hours', { from: camera.hours.from, to: camera.hours.to }) : t('owner.allDay')}</li>
              </ul>
              {camera.sharingNow !== 'ended' && (
                <div className="camera-owner-actions">
                  {camera.sharingNow === 'paused' ? (
                    <button type="button" disabled={busy} onClick={() => void act(camera.id, 'resume')} data-testid="owner-resume">
                      {t('owner.resume')}
                    </button>
                  ) : (
                    <button type="button" className="primary" disabled={busy} onClick={() => void act(camera.id, 'pause')} data-testid="owner-pause">
                      {t('owner.pause')}
                    </button>
                  )}
                  <button type="button" className="danger" disabled={busy} onClick={() => void act(camera.id, 'end')} data-testid="owner-end">
                    {t('owner.end')}
                  </button>
                </div>
              )}
            </section>
          ))}
          <section className="camera-owner-views">
            <h2>{t('owner.views')}</h2>
            {data.views.length === 0 && <p>{t('owner.noViews')}</p>}
            <ul data-testid="owner-views">
              {data.views.map((view, index) => (
                <li key={index}>
                  <time>{dateTime(view.at)}</time> {t(`owner.view.${view.kind}` as MessageKey, { viewer: view.viewer, camera: view.cameraName })}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </main>
  );
}
