// Which cameras hold an analysis slot now, and why. Pure: signals, slot count and current holders in,
// the plan out; the leader loop (leader.ts) feeds it from PostgreSQL and writes the plan back.
//
// Policy, in order (README section "Analysis slots" documents the same):
//   1. pinned by an operator (more pins than slots: the most recent pins win, the rest wait, and the
//      plan says so);
//   2. an open alert or a recent event on the camera (most recent first);
//   3. near a sensor in alarm (highest level first, then nearest);
//   4. motion (highest score first);
//   5. a time-of-day priority (highest first);
//   6. round-robin (longest-waiting first), so every camera is analysed at least every N minutes.
// Tiers 1-3 are urgent: they take slots at once, even from a camera that has just got one. Round-robin
// keeps its guarantee (every camera once per period) in two ways, both taken before motion and time of
// day: a standing reserve of the whole slots the rotation needs (floor of cameras x turn / period), and
// "overdue" cameras (waiting so long that they would miss the period) jump the queue. With few cameras
// per slot the reserve is 0 and only overdue cameras ever pass a moving one; slots left go by the order.
//
// Smoothness: a camera keeps its slot for at least `minHoldMs` unless its stream dies (then at once),
// an urgent camera needs the slot, or the slot count shrinks. After that, a challenger in the same
// tier must beat it clearly (hysteresis: motion by `motionMargin`, enter/exit thresholds for motion).

import type { SlotNoticeCode } from '@cityops/contract/server-codes';

export const SLOT_REASONS = ['pinned', 'alert', 'sensor_alarm', 'motion', 'time_of_day', 'round_robin'] as const;
export type SlotReason = (typeof SLOT_REASONS)[number];

export const RELEASE_REASONS = ['stream_down', 'camera_removed', 'displaced', 'turn_over', 'slots_reduced'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export interface CameraSignals {
  cameraId: string;
  /** False when the stream is down or silent: the camera cannot be analysed and loses a slot at once. */
  streamOnline: boolean;
  pin?: { atMs: number; by?: string };
  /** The latest open alert or recent event on this camera. */
  event?: { atMs: number; alertId?: number; kind?: string; open: boolean };
  /** The most severe (then nearest) sensor in alarm within the configured radius. */
  sensorAlarm?: { sensorId: string; level: number; distanceM: number };
  /** Mean absolute luma difference between consecutive frames, 0-255 (motion.ts). */
  motionScore: number;
  /** 0 = none; higher wins. From the camera's time-of-day windows at this moment. */
  timeOfDayPriority: number;
  /** Last moment the camera held a slot; undefined = never. */
  lastServedAtMs?: number;
}

export interface SlotHolder {
  cameraId: string;
  sinceMs: number;
  reason: SlotReason;
}

export interface SchedulerOptions {
  /** A camera keeps a slot at least this long (unless its stream dies or an urgent camera needs it). */
  minHoldMs: number;
  /** Every camera with a live stream is analysed at least once per this period (the "N minutes"). */
  roundRobinPeriodMs: number;
  /** How often the scheduler runs: a turn lasts up to minHoldMs + tickMs. */
  tickMs: number;
  /** Motion score from which a camera counts as moving. */
  motionEnterScore: number;
  /** A holder keeps counting as moving down to this score (below motionEnterScore: hysteresis). */
  motionExitScore: number;
  /** A challenger must have this many times the holder's motion score to take its place. */
  motionMargin: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  minHoldMs: 60_000,
  roundRobinPeriodMs: 30 * 60_000,
  tickMs: 2_000,
  motionEnterScore: 3,
  motionExitScore: 2,
  motionMargin: 1.5,
};

export interface SlotAssignment {
  cameraId: string;
  reason: SlotReason;
  /** When the camera got the slot (kept across reason changes). */
  sinceMs: number;
  /** Why, in numbers: the pin, the alert, the sensor and distance, the score, the wait. */
  detail: Record<string, unknown>;
}

export interface SlotRelease {
  cameraId: string;
  reason: ReleaseReason;
  heldMs: number;
}

/** Notices the engineer reads on the slots page; their codes are listed in contract/ (SLOT_NOTICE_CODES) for the web. */
export type SchedulerNotice = (
  | { code: 'no_slots'; message: string }
  | { code: 'more_pinned_than_slots'; pinned: number; slots: number; waiting: string[]; message: string }
  | { code: 'round_robin_short'; needed: number; available: number; message: string }
) & { code: SlotNoticeCode };

export interface SlotPlan {
  assignments: SlotAssignment[];
  released: SlotRelease[];
  notices: SchedulerNotice[];
  /** Slots kept for round-robin this round (see roundRobinReserve). */
  roundRobinReserve: number;
}

export interface PlanInput {
  nowMs: number;
  slotCount: number;
  cameras: readonly CameraSignals[];
  holders: readonly SlotHolder[];
  options?: Partial<SchedulerOptions>;
}

interface Claim {
  camera: CameraSignals;
  tier: number;
  /** Lower is better within the tier. */
  key: number;
  holder?: SlotHolder;
  young: boolean;
}

const TIER_PINNED = 0;
const TIER_URGENT_LAST = 2; // pinned, alert, sensor alarm
const TIER_ROUND_ROBIN = 5;

/**
 * Slots round-robin needs, as a fraction, so that `eligible` cameras each get a turn (up to
 * minHold + tick long) within the period. The standing reserve is its whole part.
 */
export function roundRobinNeed(eligible: number, options: SchedulerOptions): number {
  if (eligible <= 0 || !Number.isFinite(options.roundRobinPeriodMs)) return 0;
  return (eligible * (options.minHoldMs + options.tickMs)) / options.roundRobinPeriodMs;
}

/**
 * A camera waiting longer than this is overdue: it goes before motion and time of day. Two turns
 * before the period ends, so that even behind slots on their minimum hold it is served in time.
 */
export function overdueAfterMs(options: SchedulerOptions): number {
  return Math.max(0, options.roundRobinPeriodMs - 2 * (options.minHoldMs + options.tickMs));
}

export function planSlots(input: PlanInput): SlotPlan {
  const options = { ...DEFAULT_SCHEDULER_OPTIONS, ...input.options };
  const { nowMs } = input;
  const slots = Number.isFinite(input.slotCount) ? Math.max(0, Math.floor(input.slotCount)) : 0;
  const notices: SchedulerNotice[] = [];
  const released: SlotRelease[] = [];
  const release = (holder: SlotHolder, reason: ReleaseReason) => released.push({ cameraId: holder.cameraId, reason, heldMs: nowMs - holder.sinceMs });

  const cameras = new Map(input.cameras.map((camera) => [camera.cameraId, camera]));
  const holders = new Map<string, SlotHolder>();
  for (const holder of input.holders) {
    const camera = cameras.get(holder.cameraId);
    if (!camera) release(holder, 'camera_removed');
    else if (!camera.streamOnline) release(holder, 'stream_down');
    else holders.set(holder.cameraId, holder);
  }

  if (slots === 0) {
    for (const holder of holders.values()) release(holder, 'slots_reduced');
    notices.push({ code: 'no_slots', message: 'slot count is 0: no camera is analysed (only the cheap tier runs)' });
    return { assignments: [], released, notices, roundRobinReserve: 0 };
  }

  const claims: Claim[] = [];
  for (const camera of cameras.values()) {
    if (!camera.streamOnline) continue;
    claims.push(claimOf(camera, holders.get(camera.cameraId), nowMs, options));
  }

  const selected = new Map<string, SlotAssignment>();
  const take = (claim: Claim, reason: SlotReason, detail: Record<string, unknown>) =>
    selected.set(claim.camera.cameraId, { cameraId: claim.camera.cameraId, reason, sinceMs: claim.holder?.sinceMs ?? nowMs, detail });
  const free = () => slots - selected.size;

  // 1-3. Urgent tiers. A young holder keeps its place against newcomers of its own tier (no flapping
  // between alerts), except for pins: the most recent pin always wins.
  const urgent = claims
    .filter((claim) => claim.tier <= TIER_URGENT_LAST)
    .sort((a, b) => a.tier - b.tier || protectedFirst(a, b) || a.key - b.key || byId(a, b));
  const pinned = urgent.filter((claim) => claim.tier === TIER_PINNED);
  if (pinned.length > slots) {
    const waiting = pinned.slice(slots).map((claim) => claim.camera.cameraId);
    notices.push({
      code: 'more_pinned_than_slots',
      pinned: pinned.length,
      slots,
      waiting,
      message: `${pinned.length} cameras are pinned but there are ${slots} slots: the ${slots} most recent pins are analysed, ${waiting.length} wait`,
    });
  }
  for (const claim of urgent) {
    if (free() === 0) break;
    take(claim, SLOT_REASONS[claim.tier], detailOf(claim, nowMs));
  }

  // Young holders keep their slot while there is room; when urgent cameras took the room, the least
  // important of them give way.
  const young = claims.filter((claim) => claim.young && !selected.has(claim.camera.cameraId)).sort(byClaim);
  for (const claim of young) {
    if (free() === 0) {
      release(claim.holder!, urgent.length > 0 ? 'displaced' : 'slots_reduced');
      continue;
    }
    const reason = claim.tier < TIER_ROUND_ROBIN ? SLOT_REASONS[claim.tier] : claim.holder!.reason;
    take(claim, reason, { ...detailOf(claim, nowMs), minimumHold: true });
  }

  // 6 (guarantee). Overdue cameras first, then the standing reserve: the longest-waiting cameras,
  // whatever else they have.
  const need = roundRobinNeed(claims.length - urgent.length, options);
  const availableForRoundRobin = slots - Math.min(urgent.length, slots);
  if (need > availableForRoundRobin && claims.length > slots) {
    notices.push({
      code: 'round_robin_short',
      needed: Math.ceil(need),
      available: availableForRoundRobin,
      message: `round-robin needs ${Math.ceil(need)} slots to analyse every camera within ${Math.round(options.roundRobinPeriodMs / 60_000)} min, only ${availableForRoundRobin} remain after urgent cameras: some wait longer`,
    });
  }
  const waitingLongest = claims
    .filter((claim) => !selected.has(claim.camera.cameraId))
    .sort((a, b) => compareKeys(servedKey(a, nowMs), servedKey(b, nowMs)) || byClaim(a, b));
  const overdueMs = overdueAfterMs(options);
  let taken = 0;
  for (const claim of waitingLongest) {
    if (free() === 0 || nowMs - servedKey(claim, nowMs) <= overdueMs) break;
    take(claim, 'round_robin', { ...roundRobinDetail(claim, nowMs), overdue: true });
    taken++;
  }
  const reserve = Math.floor(need);
  const roundRobinHolding = [...selected.values()].filter((assignment) => assignment.reason === 'round_robin').length;
  const reserveFree = Math.max(0, Math.min(reserve - roundRobinHolding, free()));
  for (const claim of waitingLongest.slice(taken, taken + reserveFree)) take(claim, 'round_robin', roundRobinDetail(claim, nowMs));

  // 4-6. Motion, time of day, then more round-robin, in policy order.
  const rest = claims.filter((claim) => !selected.has(claim.camera.cameraId)).sort(byClaim);
  for (const claim of rest) {
    if (free() === 0) break;
    take(claim, SLOT_REASONS[claim.tier], detailOf(claim, nowMs));
  }

  for (const holder of holders.values()) {
    if (selected.has(holder.cameraId)) continue;
    if (released.some((entry) => entry.cameraId === holder.cameraId)) continue;
    release(holder, holder.reason === 'round_robin' ? 'turn_over' : 'displaced');
  }
  return { assignments: [...selected.values()], released, notices, roundRobinReserve: Math.max(0, Math.min(reserve, availableForRoundRobin)) };
}

function claimOf(camera: CameraSignals, holder: SlotHolder | undefined, nowMs: number, options: SchedulerOptions): Claim {
  const young = holder !== undefined && nowMs - holder.sinceMs < options.minHoldMs;
  let tier: number;
  let key: number;
  if (camera.pin) [tier, key] = [0, -camera.pin.atMs];
  else if (camera.event) [tier, key] = [1, -camera.event.atMs];
  else if (camera.sensorAlarm) [tier, key] = [2, -camera.sensorAlarm.level * 1e9 + camera.sensorAlarm.distanceM];
  else if (camera.motionScore >= (holder ? options.motionExitScore : options.motionEnterScore)) {
    [tier, key] = [3, -camera.motionScore * (holder ? options.motionMargin : 1)];
  } else if (camera.timeOfDayPriority > 0) [tier, key] = [4, -(camera.timeOfDayPriority + (holder ? 0.5 : 0))];
  else [tier, key] = [TIER_ROUND_ROBIN, holder ? nowMs : (camera.lastServedAtMs ?? Number.NEGATIVE_INFINITY)];
  return { camera, holder, young, tier, key };
}

/** A holder is being served now; others rank by when they last were (never = first). */
function servedKey(claim: Pick<Claim, 'camera' | 'holder'>, nowMs: number): number {
  if (claim.holder) return nowMs;
  return claim.camera.lastServedAtMs ?? Number.NEGATIVE_INFINITY;
}

function protectedFirst(a: Claim, b: Claim): number {
  const protectedA = a.tier !== TIER_PINNED && a.young ? 0 : 1;
  const protectedB = b.tier !== TIER_PINNED && b.young ? 0 : 1;
  return protectedA - protectedB;
}

function byClaim(a: Claim, b: Claim): number {
  return a.tier - b.tier || compareKeys(a.key, b.key) || (a.holder ? 0 : 1) - (b.holder ? 0 : 1) || byId(a, b);
}

function compareKeys(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

const byId = (a: Claim, b: Claim) => (a.camera.cameraId < b.camera.cameraId ? -1 : a.camera.cameraId > b.camera.cameraId ? 1 : 0);

function detailOf(claim: Claim, nowMs: number): Record<string, unknown> {
  const { camera } = claim;
  switch (claim.tier) {
    case 0:
      return { pinnedAt: new Date(camera.pin!.atMs).toISOString(), ...(camera.pin!.by ? { pinnedBy: camera.pin!.by } : {}) };
    case 1:
      return {
        eventAt: new Date(camera.event!.atMs).toISOString(),
        open: camera.event!.open,
        ...(camera.event!.alertId !== undefined ? { alertId: camera.event!.alertId } : {}),
        ...(camera.event!.kind ? { kind: camera.event!.kind } : {}),
      };
    case 2:
      return { sensorId: camera.sensorAlarm!.sensorId, level: camera.sensorAlarm!.level, distanceM: Math.round(camera.sensorAlarm!.distanceM) };
    case 3:
      return { motionScore: round2(camera.motionScore) };
    case 4:
      return { priority: camera.timeOfDayPriority };
    default:
      return roundRobinDetail(claim, nowMs);
  }
}

function roundRobinDetail(claim: Claim, nowMs: number): Record<string, unknown> {
  const last = claim.camera.lastServedAtMs;
  return { lastServedAt: last === undefined ? null : new Date(last).toISOString(), waitedSeconds: last === undefined ? null : Math.round((nowMs - last) / 1000) };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
