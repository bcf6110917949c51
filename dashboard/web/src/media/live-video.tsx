// Live camera video: a short-lived signed HTTP-FLV URL from the camera feature, played with mpegts.js.
// Every failure ends in a clear message inside the tile, never a black box.
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';

/** The part of mpegts.js used here (its typings describe the CommonJS export awkwardly). */
interface MpegtsApi {
  isSupported(): boolean;
  createPlayer(source: { type: string; isLive: boolean; url: string }, config?: Record<string, unknown>): MpegtsPlayer;
  Events: { ERROR: string };
}
interface MpegtsPlayer {
  on(event: string, listener: (type: string, detail: string) => void): void;
  attachMediaElement(element: HTMLMediaElement): void;
  load(): void;
  play(): Promise<void> | void;
  unload(): void;
  detachMediaElement(): void;
  destroy(): void;
}

type VideoState = 'starting' | 'playing' | 'unavailable' | 'failed' | 'unsupported';

/** `showDetail`: the server's own (English) reason under the message; the wall keeps it as a tooltip. */
export function LiveVideo({ cameraId, muted = true, className = '', showDetail = true }: { cameraId: string; muted?: boolean; className?: string; showDetail?: boolean }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<VideoState>('starting');
  const [detail, setDetail] = useState<string>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let disposed = false;
    let player: MpegtsPlayer | undefined;
    setState('starting');
    setDetail(undefined);
    (async () => {
      const mpegts = (await import('mpegts.js')).default as unknown as MpegtsApi;
      if (!mpegts.isSupported()) return setState('unsupported');
      let url: string;
      try {
        const result = await api<{ url: string }>(`/api/cameras/${encodeURIComponent(cameraId)}/live`, { method: 'POST' });
        url = new URL(result.url, window.location.href).href;
      } catch (error) {
        if (disposed) return;
        // 404: no camera feature here; 503: no worker pulls the camera now; 409: a codec FLV cannot carry.
        if (error instanceof ApiError && (error.unavailable || [404, 409, 503].includes(error.status))) {
          if (!error.unavailable) setDetail(error.message);
          return setState('unavailable');
        }
        setDetail((error as Error).message);
        return setState('failed');
      }
      if (disposed || !video.current) return;
      const instance = mpegts.createPlayer({ type: 'flv', isLive: true, url }, { enableStashBuffer: false, liveBufferLatencyChasing: true });
      player = instance;
      instance.on(mpegts.Events.ERROR, (_type: string, info: string) => {
        if (disposed) return;
        setDetail(info);
        setState('failed');
      });
      instance.attachMediaElement(video.current);
      instance.load();
      video.current.onplaying = () => !disposed && setState('playing');
      void Promise.resolve(instance.play()).catch(() => {});
    })();
    return () => {
      disposed = true;
      try {
        player?.unload();
        player?.detachMediaElement();
        player?.destroy();
      } catch {}
    };
  }, [cameraId, attempt]);

  const messages: Record<Exclude<VideoState, 'playing'>, MessageKey> = {
    starting: 'video.starting',
    unavailable: 'video.unavailable',
    failed: 'video.failed',
    unsupported: 'video.unsupported',
  };
  return (
    <div className={`live-video ${state} ${className}`} data-testid="live-video" data-state={state}>
      <video ref={video} muted={muted} playsInline autoPlay />
      {state !== 'playing' && (
        <div className="video-message" title={detail}>
          <span>{t(messages[state])}</span>
          {detail && showDetail && <span className="small muted">{detail}</span>}
          {state === 'failed' && (
            <button className="button small" onClick={() => setAttempt((n) => n + 1)}>
              {t('common.retry')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
