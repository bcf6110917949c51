// An alert's evidence as the API returns it (GET /api/alerts/:id/evidence): the producer's snapshot and
// the evidence clips of its camera. Clip bytes are fetched only when a person opens or exports one.

export interface EvidenceSnapshot {
  /** Same-origin URL of the JPEG (the alert's snapshot route). */
  url: string;
  at: string;
  bytes: number;
  contentType: string;
}

export type EvidenceClipState = 'pending' | 'saved' | 'failed' | 'deleted';

export interface EvidenceClip {
  /** The clip's own id (alert_clips.alert_id: one clip per camera alert). */
  clipId: number;
  cameraId: string;
  /** The camera's local name and, when people use another one, its English name. */
  cameraName: string;
  cameraNameEn: string | null;
  state: EvidenceClipState;
  triggerAt: string;
  clipStartAt: string | null;
  durationSeconds: number | null;
  bytes: number | null;
}

export interface AlertEvidence {
  snapshots: EvidenceSnapshot[];
  clips: EvidenceClip[];
}

/** POST /api/alerts/:id/clips/:clipId/view: the audited opening of a clip; `url` plays it until `expiresAt`. */
export interface EvidenceViewGrant {
  url: string;
  expiresAt: string;
}

/** The header of an evidence download carrying the SHA-256 (hex) of exactly the bytes of its body. */
export const EVIDENCE_SHA256_HEADER = 'x-content-sha256';
