// Camera health as alerts, through the worker's durable outbox (core/alerts/outbox.ts: kept on disk
// while the database is away, delivered once, in order, when it returns): camera_offline while a camera gives no
// picture, camera_tamper (zone "frozen", "black" or "scene_change") while its picture is useless.
// Each is cleared automatically when the camera recovers. Offline is raised at once when a working
// camera stops (the watchdog already waited) or for failures a person must fix (password, codec, URL);
// a camera that has not connected yet gets a grace period, so a worker start or a camera reboot does
// not page anyone.
import type { AlertSink } from '@cityops/core/alerts/outbox';
import type { AlertKey, AlertTrigger } from '@cityops/core/alerts/types';
import type { LocalisedText } from '@cityops/contract/alerts';
import type { Logger } from '@cityops/core/logger';
import type { CameraReason, CameraStatus } from './pipeline.ts';
import type { PictureCondition, PictureConditionChange } from './picture-health.ts';

const OFFLINE_GRACE_MS = 60_000;
const NEEDS_A_PERSON = new Set<CameraReason>(['auth_failed', 'not_rtsp', 'unsupported_codec', 'not_found', 'config_error', 'no_video']);

const REASON_TEXT: Partial<Record<CameraReason, LocalisedText>> = {
  auth_failed: { vi: 'Camera từ chối tên đăng nhập hoặc mật khẩu.', en: 'The camera refused the user name or password.' },
  not_found: { vi: 'Camera không có luồng video ở đường dẫn này.', en: 'The camera has no stream at this path.' },
  unavailable: { vi: 'Camera báo không phục vụ được luồng video.', en: 'The camera reports the stream unavailable.' },
  unreachable: { vi: 'Không kết nối được tới camera.', en: 'The camera cannot be reached.' },
  timeout: { vi: 'Camera không trả lời.', en: 'The camera does not answer.' },
  not_rtsp: { vi: 'Địa chỉ camera không phải rtsp://.', en: 'The camera URL is not rtsp://.' },
  invalid_data: { vi: 'Camera gửi dữ liệu không phải luồng RTSP hợp lệ.', en: 'The camera sends data that is not a valid RTSP stream.' },
  no_video: { vi: 'Luồng không có video.', en: 'The stream has no video.' },
  unsupported_codec: { vi: 'Camera dùng chuẩn nén không hỗ trợ (cần H.264 hoặc H.265).', en: 'The camera uses an unsupported codec (H.264 or H.265 needed).' },
  stalled: { vi: 'Không nhận được hình ảnh từ camera.', en: 'No picture from the camera.' },
  exited: { vi: 'Luồng video bị ngắt.', en: 'The video stream ended.' },
  config_error: { vi: 'Không đọc được cấu hình camera.', en: 'The camera configuration cannot be read.' },
};

const TAMPER_TITLES: Record<PictureCondition, LocalisedText> = {
  frozen: { vi: 'Hình ảnh camera bị đứng', en: 'Camera picture frozen' },
  black: { vi: 'Hình ảnh camera bị đen', en: 'Camera picture black' },
  scene_change: { vi: 'Góc nhìn camera thay đổi đột ngột', en: 'Camera view changed suddenly' },
};

export class CameraAlerts {
  private readonly offlineTimers = new Map<string, NodeJS.Timeout>();
  private readonly offlineRaised = new Set<string>();

  constructor(
    private readonly raiser: AlertSink | undefined,
    private readonly logger: Logger,
  ) {}

  onStatus(previous: CameraStatus | undefined, status: CameraStatus): void {
    const { cameraId } = status;
    if (status.state === 'offline' && status.reason !== 'connecting') {
      if (this.offlineRaised.has(cameraId) || this.offlineTimers.has(cameraId)) {
        if (this.offlineRaised.has(cameraId) && previous?.reason !== status.reason) this.raiseOffline(status);
        return;
      }
      const wasWorking = previous !== undefined && previous.state !== 'offline';
      if (wasWorking || (status.reason && NEEDS_A_PERSON.has(status.reason))) {
        this.raiseOffline(status);
      } else {
        this.offlineTimers.set(
          cameraId,
          setTimeout(() => {
            this.offlineTimers.delete(cameraId);
            this.raiseOffline(status);
          }, OFFLINE_GRACE_MS),
        );
      }
      return;
    }
    if (status.state !== 'offline') {
      clearTimeout(this.offlineTimers.get(cameraId));
      this.offlineTimers.delete(cameraId);
      if (this.offlineRaised.delete(cameraId)) {
        this.clear({ sourceType: 'camera', sourceId: cameraId, kind: 'camera_offline' }, { vi: 'Camera đã có hình ảnh trở lại.', en: 'The camera delivers pictures again.' });
      }
    }
  }

  onPicture(cameraId: string, change: PictureConditionChange, snapshotJpeg?: Buffer): void {
    const key: AlertKey = { sourceType: 'camera', sourceId: cameraId, kind: 'camera_tamper', zoneId: change.condition };
    if (!change.active) {
      this.clear(key, { vi: 'Hình ảnh camera đã bình thường.', en: 'The camera picture is normal again.' });
      return;
    }
    this.raise({
      ...key,
      severity: 'major',
      title: TAMPER_TITLES[change.condition],
      observedAt: new Date(change.sinceMs),
      evidence: { snapshotJpeg, data: { condition: change.condition, ...roundMeasures(change.measures) } },
    });
  }

  /** The worker no longer pulls this camera: forget timers (another worker takes over its alerts). */
  forget(cameraId: string): void {
    clearTimeout(this.offlineTimers.get(cameraId));
    this.offlineTimers.delete(cameraId);
    this.offlineRaised.delete(cameraId);
  }

  stop(): void {
    for (const timer of this.offlineTimers.values()) clearTimeout(timer);
    this.offlineTimers.clear();
  }

  private raiseOffline(status: CameraStatus): void {
    this.offlineRaised.add(status.cameraId);
    const reason = status.reason ? REASON_TEXT[status.reason] : undefined;
    this.raise({
      sourceType: 'camera',
      sourceId: status.cameraId,
      kind: 'camera_offline',
      severity: 'minor',
      title: { vi: 'Camera mất tín hiệu', en: 'Camera offline' },
      // When it went offline, not when the alert reaches the database (it may wait out an outage).
      observedAt: new Date(),
      description: reason ?? (status.message ? { vi: status.message, en: status.message } : undefined),
      evidence: { data: { reason: status.reason, message: status.message, restarts: status.restarts, lastFrameAt: status.lastFrameAt } },
    });
  }

  private raise(trigger: AlertTrigger): void {
    if (!this.raiser) return;
    this.raiser.raise(trigger).catch((error) => this.logger.warn({ err: error, camera: trigger.sourceId, kind: trigger.kind }, 'could not raise camera alert'));
  }

  private clear(key: AlertKey, reason: LocalisedText): void {
    if (!this.raiser) return;
    this.raiser.clear(key, reason).catch((error) => this.logger.warn({ err: error, camera: key.sourceId, kind: key.kind }, 'could not clear camera alert'));
  }
}

function roundMeasures(measures: PictureConditionChange['measures']): Record<string, number> {
  return Object.fromEntries(Object.entries(measures).map(([name, value]) => [name, Math.round(value * 100) / 100]));
}
