// The contract every alert producer codes against (camera ingest, vision analytics, sensor rules).
// Implemented in core/alerts/raise.ts. Keep it small and stable. The vocabulary (kinds, severities,
// states, bilingual text) is shared with the web: @cityops/contract/alerts.
import type { AlertKind, AlertSeverity, AlertSourceType, LocalisedText } from '@cityops/contract/alerts';

/** One situation: while an alert with this key is open, new triggers update it instead of creating another. */
export interface AlertKey {
  sourceType: AlertSourceType;
  sourceId: string;
  kind: AlertKind;
  /** Zone, line or rule inside the source; '' when the whole device is concerned. */
  zoneId?: string;
}

export interface AlertTrigger extends AlertKey {
  severity: AlertSeverity;
  title: LocalisedText;
  description?: LocalisedText;
  /** Defaults to the source device's registered location and district. */
  lat?: number;
  lon?: number;
  districtId?: string;
  /** When the condition was observed (defaults to now). */
  observedAt?: Date;
  evidence?: {
    /** JPEG bytes, stored with the alert (e.g. a frame with boxes drawn). */
    snapshotJpeg?: Buffer;
    /** Any JSON: the readings, detections or numbers that triggered the alert. */
    data?: Record<string, unknown>;
  };
}

export interface RaisedAlert {
  alertId: number;
  /** false when an open alert for the same key was updated (count, last seen, severity escalation). */
  created: boolean;
  severity: AlertSeverity;
  occurrences: number;
}

/** What producers depend on: raise (create or update) and auto-clear when the condition ends. */
export interface AlertRaiser {
  /** `deliveryId`: a resend with the same id raises nothing again (the durable outbox's retries). */
  raise(trigger: AlertTrigger, options?: { deliveryId?: string }): Promise<RaisedAlert>;
  /** Marks the open alert for this key as auto-cleared (not deleted); no-op when none is open. */
  clear(key: AlertKey, reason?: LocalisedText): Promise<{ alertId: number } | undefined>;
}
