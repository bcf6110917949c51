// Live camera video: a short-lived signed HTTP-FLV URL from the camera feature, played with mpegts.js.
// Every failure ends in a clear message inside the tile, never a black box or a frozen picture.
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { errorMessage } from '../server-messages.ts';

/** The part of mpegts.js used here (its typings describe the CommonJS export awkwardly). */
interface MpegtsApi {
  isSupported(): boolean;
  createPlayer(source: { type: string; isLive: boolean; url: string; hasAudio?: boolean; hasVideo?: boolean }, config?: Record<string, unknown>): MpegtsPlayer;
  Events: { ERROR: string; LOADING_COMPLETE: string };
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

// The relay (node-media-server) keeps a viewer's connection open while the camera sends nothing, so
// neither the connection nor mpegts.js ever reports a stopped camera: the playback clock is the truth.
/** No picture this long after opening. A normal start takes 1–3 s (the relay sends its cached GOP at
 *  once); generous so a busy machine is not taken for a dead camera. */
const START_TIMEOUT_MS = 20_000;
const MAX_AUTO_RETRY_MS = 5 * 60_000;
/** The playback clock stood still this long while playing: the camera stopped sending. */
const STALL_TIMEOUT_MS = 10_000;
const WATCHDOG_INTERVAL_MS = 1000;

/** `showDetail`: the server's own (English) reason under the message; the wall keeps it as a tooltip.
 *  `retryAfterMs`: try again by itself that long after a failure (the wall, where nobody clicks Retry). */
export function LiveVideo({
  cameraId,
  muted = true,
  className = '',
  showDetail = true,
  retryAfterMs,
}: {
  cameraId: string;
  muted?: boolean;
  className?: string;
  showDetail?: boolean;
  retryAfterMs?: number;
}) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<VideoState>('starting');
  /** Why it failed, when more precise than the state's own message. */
  const [reason, setReason] = useState<MessageKey>();
  const [detail, setDetail] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  /** false when retrying cannot help (no camera feature on this server, a browser without MSE). */
  const [retryable, setRetryable] = useState(true);

  useEffect(() => {
    let disposed = false;
    let player: MpegtsPlayer | undefined;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    const element = video.current;
    setState('starting');
    setReason(undefined);
    setDetail(undefined);
    setRetryable(true);

    /** Closes the stream (the worker counts viewers and would keep sending). */
    const release = () => {
      clearInterval(watchdog);
      if (element) element.onplaying = null;
      try {
        player?.unload();
        player?.detachMediaElement();
        player?.destroy();
      } catch {}
      player = undefined;
    };
    const end = (next: VideoState, why?: MessageKey, text?: string) => {
      if (disposed) return;
      release();
      setReason(why);
      setDetail(text);
      setState(next);
    };

    (async () => {
      const mpegts = (await import('mpegts.js')).default as unknown as MpegtsApi;
      if (disposed) return;
      if (!mpegts.isSupported()) {
        setRetryable(false);
        return end('unsupported');
      }
      let url: string;
      try {
        const result = await api<{ url: string }>(`/api/cameras/${encodeURIComponent(cameraId)}/live`, { method: 'POST' });
        url = new URL(result.url, window.location.href).href;
      } catch (error) {
        // 404: no camera feature here; 503: no worker pulls the camera, or it sends no picture now;
        // 409: a codec FLV cannot carry.
        if (error instanceof ApiError && (error.unavailable || [404, 409, 503].includes(error.status))) {
          // Retrying cannot help without the camera feature, nor before the camera is set to H.264.
          setRetryable(!error.unavailable && error.status !== 409);
          const why = error.code === 'camera_offline' ? 'video.noPicture' : error.status === 409 ? 'video.codecUnsupported' : undefined;
          return end('unavailable', why, error.unavailable ? undefined : errorMessage(error));
        }
        return end('failed', undefined, errorMessage(error));
      }
      if (disposed || !element) return;
      // hasAudio false: the relay carries video only (ingest/camera/ffmpeg.ts, `-an`), but
      // node-media-server's FLV header always announces audio, and mpegts.js would hold every video
      // segment back waiting for audio that never comes (the tile would stay at "starting").
      const instance = mpegts.createPlayer({ type: 'flv', isLive: true, url, hasAudio: false, hasVideo: true }, { enableStashBuffer: false, liveBufferLatencyChasing: true });
      player = instance;
      instance.on(mpegts.Events.ERROR, (_type: string, info: string) => end('failed', undefined, info));
      // A live stream has no end: the worker closed it (camera moved to another worker, worker stopped).
      instance.on(mpegts.Events.LOADING_COMPLETE, () => end('failed', 'video.streamEnded'));
      instance.attachMediaElement(element);
      instance.load();
      let playing = false;
      element.onplaying = () => {
        playing = true;
        if (!disposed) setState('playing');
      };
      const openedAt = Date.now();
      let lastTime = -1;
      let lastAdvanceAt = openedAt;
      watchdog = setInterval(() => {
        const now = Date.now();
        // Hidden tabs may throttle timers and rendering: judge only what the operator can see.
        if (document.hidden || element.currentTime !== lastTime) {
          lastTime = element.currentTime;
          lastAdvanceAt = now;
          return;
        }
        if (!playing && now - openedAt > START_TIMEOUT_MS) end('failed', 'video.noPicture');
        else if (playing && now - lastAdvanceAt > STALL_TIMEOUT_MS) end('failed', 'video.stalled');
      }, WATCHDOG_INTERVAL_MS);
      void Promise.resolve(instance.play()).catch(() => {});
    })();
    return () => {
      disposed = true;
      release();
    };
  }, [cameraId, attempt]);

  const failed = state === 'failed' || state === 'unavailable';
  // Automatic retries back off (20 s, 40 s, … 5 min) while the camera stays down: each one is a signed
  // URL and an audit row, and a wall may show a dead camera all night. Playing resets the count.
  const autoRetries = useRef(0);
  useEffect(() => {
    if (state === 'playing') autoRetries.current = 0;
  }, [state]);
  useEffect(() => {
    if (!failed || !retryable || !retryAfterMs) return;
    const delayMs = Math.min(retryAfterMs * 2 ** autoRetries.current, MAX_AUTO_RETRY_MS);
    const timer = setTimeout(() => {
      autoRetries.current++;
      setAttempt((n) => n + 1);
    }, delayMs);
    return () => clearTimeout(timer);
  }, [failed, retryable, retryAfterMs]);

  const messages: Record<Exclude<VideoState, 'playing'>, MessageKey> = {
    starting: 'video.starting',
    unavailable: 'video.unavailable',
    failed: 'video.failed',
    unsupported: 'video.unsupported',
  };
  return (
    <div className={`live-video ${state} ${className}`} data-testid="live-video" data-state={state} data-reason={reason}>
      <video ref={video} muted={muted} playsInline autoPlay />
      {state !== 'playing' && (
        <div className="video-message" title={detail}>
          <span>{t(reason ?? messages[state])}</span>
          {detail && showDetail && <span className="small muted">{detail}</span>}
          {failed && retryable && (
            <button className="button small" onClick={() => setAttempt((n) => n + 1)} data-testid="live-video-retry">
              {t('common.retry')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
