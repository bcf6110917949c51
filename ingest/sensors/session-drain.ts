// Draining a persistent MQTT session that no worker will come back for: a sensor-ingest client id that is
// gone (the former default id after an upgrade, a worker removed from the shared subscription), whose
// readings the broker still holds. Mosquitto does not hand a dead member's queue to the other members of a
// shared subscription, and a session lives for its expiry (a day by default), so those readings wait there,
// acknowledged to their devices, until someone connects with that id.
//
// A drain connects with that id (clean = false), removes the sensor filters from the session so nothing new
// is routed to it, stores what the broker had queued through the ingest worker's own path (committed or
// spooled, then acknowledged), and once nothing has arrived for a quiet period, ends the session for good.
// If it is interrupted (broker away, process stopped), the session is left as it was, minus what was
// already stored: the next drain continues.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { SENSOR_TOPIC_FILTER, sharedSubscription } from '@cityops/contract/mqtt-topics';
import { AppError } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { SensorIngestWorker, type IngestWorkerOptions } from './ingest-worker.ts';
import { ReadingSpool } from './spool.ts';

const drainedReadings = counter('cityops_sensor_drained_readings_total', 'Readings stored from drained sessions (former client ids, removed workers)');

/** Another connection took the session while we drained it: its owner is alive, so the drain stops. */
export class SessionInUseError extends AppError {
  constructor(message: string) {
    super('session_in_use', message);
  }
}

/** Still receiving when the drain's time ran out: the session has subscriptions the drain did not remove. */
export class SessionNotQuietError extends AppError {
  constructor(message: string) {
    super('session_not_quiet', message);
  }
}

/**
 * The broker closed the drain's connection. Mosquitto does so, without a reason, when another client connects
 * with the same id — the session's owner is alive. If the broker still answers (checked under another id,
 * since connecting with this one would take the session again), that is what happened; otherwise the broker
 * went away. Either way the session is kept, minus what was already stored.
 */
async function connectionLostError(broker: SessionDrainOptions['broker']): Promise<Error> {
  const reachable = await mqtt
    .connectAsync(broker.url, { clientId: `${broker.clientId.slice(0, 40)}-probe-${randomBytes(4).toString('hex')}`, username: broker.username, password: broker.password, reconnectPeriod: 0, connectTimeout: 5000 })
    .then((probe) => probe.endAsync().then(() => true), () => false);
  return reachable
    ? new SessionInUseError(`client id ${broker.clientId} is in use: the broker closed the drain's connection while it is up, as it does when another client connects with that id (a running worker takes its session back); the session is left as it is`)
    : new Error(`the broker closed the drain's connection and does not answer; the session of ${broker.clientId} is kept for the next drain`);
}

/** The filters a sensor-ingest session can hold: the shared subscription of its group, or the plain one. */
export function sensorIngestFilters(shareGroup: string | undefined): string[] {
  return shareGroup ? [sharedSubscription(shareGroup, SENSOR_TOPIC_FILTER), SENSOR_TOPIC_FILTER] : [SENSOR_TOPIC_FILTER];
}

export interface SessionDrainOptions extends Omit<IngestWorkerOptions, 'drainFilters' | 'spillAfterUnacknowledged'> {
  /** Filters to remove from the session before it is emptied (default: sensorIngestFilters(shareGroup)). */
  filters?: string[];
  /** The session counts as empty once nothing arrived and nothing waited for an acknowledgement this long. */
  quietMs?: number;
  /** Gives up (session kept) if it is still receiving after this long. */
  maxDurationMs?: number;
  /** Stops the drain early; the session is kept for the next one. */
  signal?: AbortSignal;
}

export interface SessionDrainResult {
  clientId: string;
  /** The broker held a session under this id. */
  sessionPresent: boolean;
  messages: number;
  /** Readings committed to PostgreSQL by this drain (already stored ones not counted). */
  readingsStored: number;
  /** Batches left in the local spool because PostgreSQL was away; the worker replays them at its next start. */
  spooledBatchesLeft: number;
}

/** Drains the session of `options.broker.clientId` and ends it. Rejects, leaving the session, if it cannot. */
export async function drainSession(options: SessionDrainOptions): Promise<SessionDrainResult> {
  const { filters = sensorIngestFilters(options.shareGroup), quietMs = 2000, maxDurationMs = 600_000, signal } = options;
  let readingsStored = 0;
  const worker = new SensorIngestWorker({
    ...options,
    drainFilters: filters,
    onStored: (readings) => {
      readingsStored += readings.length;
      drainedReadings.inc(readings.length);
      options.onStored?.(readings);
    },
  });
  try {
    await worker.start();
  } catch (error) {
    // Messages may have arrived before the connection failed: commit what was received, stop its timers.
    await worker.stop();
    throw error;
  }
  const deadline = Date.now() + maxDurationMs;
  let endSession = false;
  try {
    for (;;) {
      if (worker.drainConnectionLost) throw await connectionLostError(options.broker);
      if (signal?.aborted) throw new AppError('session_drain_stopped', 'session drain stopped before the session was empty; it is kept for the next drain');
      if (worker.isQuietFor(quietMs)) break;
      if (Date.now() > deadline) {
        throw new SessionNotQuietError(
          `session ${options.broker.clientId} still receives after ${Math.round(maxDurationMs / 1000)} s: it has a subscription other than ${filters.join(', ')}; kept`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, quietMs)));
    }
    endSession = true;
  } finally {
    // Everything received is made durable and acknowledged first; only then is the session discarded.
    await worker.stop({ endSession });
  }
  // MQTT 3.1.1 has no session expiry in DISCONNECT: a clean connection discards the session there (and
  // confirms it on MQTT 5). Nothing can reach it in between: its filters are gone and its queue was empty.
  const protocolVersion = options.shareGroup ? 5 : 4;
  const cleanUp = await mqtt.connectAsync(options.broker.url, {
    clientId: options.broker.clientId,
    username: options.broker.username,
    password: options.broker.password,
    protocolVersion,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    properties: protocolVersion === 5 ? { sessionExpiryInterval: 0 } : undefined,
  });
  await cleanUp.endAsync();
  return {
    clientId: options.broker.clientId,
    sessionPresent: worker.sessionPresent,
    messages: worker.messagesReceived,
    readingsStored,
    spooledBatchesLeft: (await new ReadingSpool(options.spoolDirectory).list()).length,
  };
}
