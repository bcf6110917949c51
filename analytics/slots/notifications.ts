// The slot channels of the notification bus (core/database/notification-bus.ts): slot changes and
// wake-ups travel this way between roles on any machine. Their payloads are hints for the logs only
// (each listener reads the tables), so they are free text.
import { textChannel } from '@cityops/core/database/notification-bus';

/** The scheduler wrote new assignments: camera-ingest refreshes its slot set, workers claim. */
export const SLOTS_CHANGED_CHANNEL = 'cityops_slots';
/** Something the scheduler should look at now (a stream died, a pin, a new alert). */
export const SLOTS_WAKE_CHANNEL = 'cityops_slots_wake';

export const slotsChanged = textChannel(SLOTS_CHANGED_CHANNEL);
export const slotsWake = textChannel(SLOTS_WAKE_CHANNEL);

/** These listeners have no catch-up on reconnect (their timers re-read the tables): retry at least every 2 s. */
export const SLOT_LISTEN_RETRY_MAX_MS = 2000;
