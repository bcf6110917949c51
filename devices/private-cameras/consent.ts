// What a private camera's owner shares, and whether it is shared at a given moment. Pure: camera-ingest
// (live view, clips), the slot leader (analysis) and the api role (live URLs, the owner page) all ask
// the same function, so they cannot disagree about a camera. A camera without a consent record is a
// city camera: everything is shared, as before private cameras existed.
import { z } from 'zod';

export const OWNER_KINDS = ['resident', 'shop', 'school', 'building', 'organisation'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

/** What an owner can share: live view for operators, analysis (detection, rules), evidence clips. */
export const SHARES = ['live', 'analysis', 'clips'] as const;
export type Share = (typeof SHARES)[number];

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00-23:59');

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const consentInput = z
  .object({
    ownerId: z.number().int().positive(),
    sharesLive: z.boolean(),
    sharesAnalysis: z.boolean(),
    sharesClips: z.boolean(),
    /** null: all day. `from` after `to` crosses midnight (22:00-06:00). */
    hours: z
      .object({ from: clock, to: clock })
      .refine((hours) => hours.from !== hours.to, { message: 'from and to must differ (null means all day)', path: ['to'] })
      .nullable()
      .default(null),
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Ho_Chi_Minh').default('Asia/Ho_Chi_Minh'),
    clipRetentionDays: z.number().int().min(1).max(365),
    givenAt: z.coerce.date(),
    endsAt: z.coerce.date().nullable().default(null),
  })
  .refine((consent) => !consent.endsAt || consent.endsAt > consent.givenAt, { message: 'endsAt must be after givenAt', path: ['endsAt'] });
export type ConsentInput = z.infer<typeof consentInput>;

/** A consent record as stored, with the owner's pause and end. */
export interface Consent extends Omit<ConsentInput, 'ownerId'> {
  cameraId: string;
  ownerId: number;
  pausedAt: Date | null;
  resumedAt: Date | null;
  endedAt: Date | null;
  updatedAt: Date;
}

/** Why a camera is not shared now; `sharing` when it is (for the shares the owner chose). */
export type SharingState = 'sharing' | 'paused' | 'ended' | 'not_yet' | 'outside_hours';

export interface Sharing {
  state: SharingState;
  live: boolean;
  analysis: boolean;
  clips: boolean;
}

export const CITY_CAMERA_SHARING: Sharing = { state: 'sharing', live: true, analysis: true, clips: true };

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Minute of the day (0-1439) of `atMs` in `timeZone`. */
export function localMinute(atMs: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(atMs));
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `atMs` falls in the consent's hours (from inclusive, to exclusive; across midnight when from > to). */
export function withinHours(hours: { from: string; to: string } | null, timeZone: string, atMs: number): boolean {
  if (!hours) return true;
  const minute = localMinute(atMs, timeZone);
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** What of this camera is shared at `atMs`. `consent` undefined: a city camera, everything shared. */
export function sharingAt(consent: Consent | undefined, atMs: number): Sharing {
  if (!consent) return CITY_CAMERA_SHARING;
  const none = (state: SharingState): Sharing => ({ state, live: false, analysis: false, clips: false });
  if (consent.endedAt || (consent.endsAt && consent.endsAt.getTime() <= atMs)) return none('ended');
  if (consent.givenAt.getTime() > atMs) return none('not_yet');
  if (consent.pausedAt) return none('paused');
  if (!withinHours(consent.hours, consent.timeZone, atMs)) return none('outside_hours');
  return { state: 'sharing', live: consent.sharesLive, analysis: consent.sharesAnalysis, clips: consent.sharesClips };
}

/**
 * Whether an evidence clip from `fromMs` to `toMs` may be kept: clips shared at both ends, and no pause
 * since the clip began (a camera resumed after `fromMs` was paused during part of it).
 */
export function clipAllowed(consent: Consent | undefined, fromMs: number, toMs: number): boolean {
  if (!consent) return true;
  if (consent.resumedAt && consent.resumedAt.getTime() > fromMs) return false;
  return sharingAt(consent, fromMs).clips && sharingAt(consent, toMs).clips;
}

/** Why a private camera cannot be viewed now, for the operator who asked. */
export function notSharedMessage(sharing: Sharing): string {
  const why = {
    paused: 'its owner has paused sharing',
    ended: 'its owner has ended sharing',
    not_yet: "its owner's consent has not started yet",
    outside_hours: 'it is outside the hours its owner shares it',
    sharing: 'its owner does not share live view',
  }[sharing.state];
  return `this is a private camera and ${why}: it cannot be viewed now`;
}
