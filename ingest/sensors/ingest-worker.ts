// The sensor ingest worker: MQTT in, PostgreSQL out, nothing lost on the way.
//
//   broker ──QoS 1──▶ decode + validate ──▶ batch (by size / by time) ──▶ COPY + INSERT … ON CONFLICT
//                         │ bad                                         │ committed ─▶ PUBACK, rules
//                         ▼                                             │ failed ────▶ local spool ─▶ PUBACK
//                     dead letters (same batch)                                          └─ replayed later
//
// A PUBACK leaves only after the message is durable — in PostgreSQL or in the fsynced spool — so a crash
// at any point means the broker redelivers, and the (sensor, ts) key makes redelivery harmless.
// Two batches commit at once (one copies while the other commits); when PostgreSQL falls further behind
// than half the broker's in-flight window, batches spill to the spool rather than let the broker drop them.
// With MQTT 5 the worker joins a shared subscription, so several workers split the stream.
// The same worker drains another client id's persistent session (`drainFilters`, see session-drain.ts), so
// drained readings take exactly this path to PostgreSQL and are acknowledged only once durable.
import path from 'node:path';
import { SENSOR_TOPIC_FILTER, sharedSubscription } from '@cityops/contract/mqtt-topics';
import { backoffMs, sleep, type Component } from '@cityops/core/lifecycle';
import type { Database } from '@cityops/core/database/pool';
import type { Logger } from '@cityops/core/logger';
import { counter, gauge, histogram } from '@cityops/core/metrics';
import type { SensorProfile } from '@cityops/devices/sensor-profile';
import { AcknowledgingSubscriber, type DeliveredMessage, type SubscriberOptions } from './acknowledging-subscriber.ts';
import { DeadLetterQuota, countOverflow, type DeadLetterOverflow } from './dead-letter-quota.ts';
import { DEAD_LETTER_REASONS, DEFAULT_DECODE_LIMITS, decodeReadingMessage, type DecodeLimits } from './payload.ts';
import { commitReadingBatch, type CommitResult, type ReadingBatch, type StoredReading } from './reading-store.ts';
import { ReadingSpool } from './spool.ts';

const messagesReceived = counter('cityops_sensor_messages_total', 'MQTT messages received by sensor ingest');
const readingsStored = counter('cityops_sensor_readings_stored_total', 'Sensor readings committed to PostgreSQL');
const readingsDuplicate = counter('cityops_sensor_readings_duplicate_total', 'Readings already stored (redelivery, replay), skipped');
export const deadLetterCounter = counter('cityops_sensor_dead_letters_total', 'Sensor messages refused, by reason (stored or not)', ['reason']);
const deadLettersUnstored = counter(
  'cityops_sensor_dead_letters_unstored_total',
  "Refused sensor messages over their device's hourly dead-letter quota: counted, not stored",
  ['reason'],
);
const spooledBatches = counter('cityops_sensor_spooled_batches_total', 'Batches written to the local spool because PostgreSQL failed');
const spilledBatches = counter('cityops_sensor_spilled_batches_total', 'Batches spooled because PostgreSQL was slower than the stream');
const spoolFiles = gauge('cityops_sensor_spool_files', 'Batches waiting in the local spool');
const commitSeconds = histogram('cityops_sensor_commit_seconds', 'Time to commit one batch', [], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]);
const unstorable = counter('cityops_sensor_unstorable_total', 'Readings or dead letters PostgreSQL refused as data; set aside in the spool directory');
const brokerConnected = gauge('cityops_sensor_broker_connected', '1 while sensor ingest is subscribed');
// Every reason appears in /metrics from the start, at 0, so dashboards and alerts can refer to it.
for (const reason of DEAD_LETTER_REASONS) {
  deadLetterCounter.inc({ reason }, 0);
  deadLettersUnstored.inc({ reason }, 0);
}

/**
 * A failure that says something about the rows (SQLSTATE class 22 data exception, 23 integrity) rather than
 * about the database being reachable. Everything else — refused connections, shutdowns, timeouts, missing
 * tables during a migration — is waited out, never blamed on the batch.
 */
export function isRowProblem(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code);
}

export interface SensorLookup {
  get(id: string): SensorProfile | undefined;
}

export interface IngestWorkerOptions {
  db: Database;
  logger: Logger;
  sensors: SensorLookup;
  broker: Pick<SubscriberOptions, 'url' | 'clientId' | 'username' | 'password' | 'sessionExpirySeconds' | 'receiveMaximum' | 'keepaliveSeconds'>;
  /** MQTT 5 shared subscription group; undefined = MQTT 3.1.1 plain subscription (the embedded aedes broker). */
  shareGroup?: string;
  /**
   * Drain instead of subscribe: take over the session of `broker.clientId`, remove these filters from it and
   * store what the broker had queued there (session-drain.ts decides when it is empty and ends it).
   */
  drainFilters?: string[];
  spoolDirectory: string;
  batchSize: number;
  batchMaxWaitMs: number;
  /** Batches committed at once on separate connections (default 2): one copies while the other commits. */
  concurrentCommits?: number;
  /**
   * When every commit slot is busy and this many messages are un-acknowledged, new batches go to the local
   * spool instead of waiting (default: half the receive maximum), so a slow database never makes the broker
   * queue or drop readings.
   */
  spillAfterUnacknowledged?: number;
  /** A commit slower than this is abandoned for the spool (its late completion is harmless: idempotent). */
  commitTimeoutMs?: number;
  limits?: DecodeLimits;
  /** Dead letters stored per device and clock hour; past it they are only counted (default 20). */
  deadLetterQuotaPerHour?: number;
  /** Called with the readings each commit added (not duplicates), for the rules and live state. */
  onStored?(readings: StoredReading[]): void;
}

type PendingBatch = Omit<ReadingBatch, 'overflow'> & { acks: (() => void)[]; overflow: Map<string, DeadLetterOverflow> };
const emptyBatch = (): PendingBatch => ({ readings: [], deadLetters: [], acks: [], overflow: new Map() });

export class SensorIngestWorker implements Component {
  readonly name = 'sensor-ingest-worker';
  private readonly subscriber: AcknowledgingSubscriber;
  private readonly spool: ReadingSpool;
  private pending: PendingBatch = emptyBatch();
  private readonly deadLetterQuota: DeadLetterQuota;
  private batchTimer?: NodeJS.Timeout;
  /** Batches being committed (or spooled) right now. */
  private inFlight = new Set<Promise<void>>();
  private flushWhenSlotFrees = false;
  /** Messages received and not yet acknowledged (pending + being made durable). */
  private unacknowledged = 0;
  /** Resolves when every batch so far has been acknowledged, in order. */
  private ackChain: Promise<unknown> = Promise.resolve();
  /** Set when a commit failed: batches go straight to the spool until the replay has emptied it. */
  private databaseDown = false;
  private replaying?: Promise<void>;
  private replayAgain = false;
  private accepting = false;
  private stopping = false;
  /** Messages received since construction (a drain reports it). */
  messagesReceived = 0;
  /** Draining: the connection closed under the drain (it does not reconnect; session-drain.ts says why). */
  drainConnectionLost = false;

  constructor(private readonly options: IngestWorkerOptions) {
    const topicFilter = options.shareGroup ? sharedSubscription(options.shareGroup, SENSOR_TOPIC_FILTER) : SENSOR_TOPIC_FILTER;
    this.subscriber = new AcknowledgingSubscriber({
      ...options.broker,
      protocolVersion: options.shareGroup ? 5 : 4,
      subscription: options.drainFilters ? { unsubscribe: options.drainFilters } : { subscribe: topicFilter },
      logger: options.logger,
      onMessage: (message) => this.receive(message),
      // The metric is the worker's own subscription; a drain's connection says nothing about it.
      onConnectionChange: options.drainFilters
        ? (connected) => {
            if (!connected) this.drainConnectionLost = true;
          }
        : (connected) => brokerConnected.set(connected ? 1 : 0),
      reconnect: !options.drainFilters,
    });
    this.spool = new ReadingSpool(options.spoolDirectory);
    this.deadLetterQuota = new DeadLetterQuota(options.deadLetterQuotaPerHour ?? 20);
  }

  private get spillThreshold(): number {
    return this.options.spillAfterUnacknowledged ?? Math.max(this.options.batchSize, Math.floor(this.options.broker.receiveMaximum / 2));
  }

  get spoolDirectory(): string {
    return this.spool.directory;
  }

  /** From the last CONNACK: the broker held a session for this client id. */
  get sessionPresent(): boolean {
    return this.subscriber.sessionPresent;
  }

  /** Nothing received and not yet acknowledged, and nothing arrived or was acknowledged for `quietMs`. */
  isQuietFor(quietMs: number): boolean {
    return this.unacknowledged === 0 && !this.inFlight.size && Date.now() - this.subscriber.lastActivityAt >= quietMs;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.accepting = true;
    // Batches a previous run left in the spool go in first. Not by a drain: it shares the worker's spool
    // directory, and the worker replays it (a drain's own spooled batches start a replay when written).
    if (!this.options.drainFilters && (await this.spool.list()).length) {
      this.databaseDown = true;
      this.requestReplay();
    }
    await this.subscriber.start();
    if (this.options.drainFilters) return;
    this.options.logger.info(
      { clientId: this.options.broker.clientId, shared: Boolean(this.options.shareGroup), spool: path.resolve(this.spool.directory) },
      'sensor ingest subscribed',
    );
  }

  /**
   * Commits (or spools) and acknowledges everything received, then disconnects. The session stays with the
   * broker — a restart, planned or not, must find what was queued meanwhile (README "Stopping a worker").
   * `endSession` discards it, for a drained session only.
   */
  async stop(options: { endSession?: boolean } = {}): Promise<void> {
    // Messages arriving from here on are not acknowledged: the broker keeps them for the next session.
    this.accepting = false;
    this.stopping = true;
    clearTimeout(this.batchTimer);
    while (this.pending.acks.length || this.inFlight.size) {
      this.requestFlush();
      await Promise.all(this.inFlight);
    }
    await this.subscriber.stop(options);
    await this.replaying;
  }

  private receive(message: DeliveredMessage) {
    if (!this.accepting) return;
    messagesReceived.inc();
    this.messagesReceived++;
    const decoded = decodeReadingMessage(message.topic, message.payload, Date.now(), (id) => this.options.sensors.get(id), {
      redelivered: message.redelivered,
      limits: this.options.limits ?? DEFAULT_DECODE_LIMITS,
    });
    const pending = this.pending;
    for (const reading of decoded.readings) pending.readings.push(reading);
    for (const letter of decoded.deadLetters) {
      deadLetterCounter.inc({ reason: letter.reason });
      if (letter.reason === 'decoder_error') this.options.logger.error({ topic: letter.topic, detail: letter.detail }, 'sensor payload decoder failed; dead-lettered');
      if (this.deadLetterQuota.admit(letter)) {
        pending.deadLetters.push(letter);
      } else {
        deadLettersUnstored.inc({ reason: letter.reason });
        countOverflow(pending.overflow, letter);
      }
    }
    pending.acks.push(message.ack);
    this.unacknowledged++;
    if (pending.readings.length + pending.deadLetters.length >= this.options.batchSize) this.requestFlush();
    else if (!this.batchTimer) this.batchTimer = setTimeout(() => this.requestFlush(), this.options.batchMaxWaitMs);
  }

  /**
   * Starts committing the pending batch if a commit slot is free; otherwise the batch keeps growing until
   * one is (so under pressure batches get bigger, which is what PostgreSQL handles best).
   */
  private requestFlush() {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (!this.pending.acks.length) return;
    let spill = false;
    if (this.inFlight.size >= (this.options.concurrentCommits ?? 2)) {
      // PostgreSQL is behind. Waiting is fine until the broker's window of un-acknowledged messages
      // half fills; past that the broker would start queueing, then dropping (Mosquitto's
      // max_queued_messages), so the batch goes to the local spool and is committed from there.
      if (this.unacknowledged < this.spillThreshold) {
        this.flushWhenSlotFrees = true;
        return;
      }
      spill = true;
    }
    const { overflow, ...rest } = this.pending;
    const batch = { ...rest, overflow: [...overflow.values()] };
    this.pending = emptyBatch();
    const done = this.persist(batch, spill);
    this.inFlight.add(done);
    void done.finally(() => {
      this.inFlight.delete(done);
      const full = this.pending.readings.length + this.pending.deadLetters.length >= this.options.batchSize;
      if (this.flushWhenSlotFrees || full || this.stopping) {
        this.flushWhenSlotFrees = false;
        this.requestFlush();
      } else if (this.pending.acks.length && !this.batchTimer) {
        this.batchTimer = setTimeout(() => this.requestFlush(), this.options.batchMaxWaitMs);
      }
    });
  }

  /**
   * Makes a batch durable, then acknowledges its messages — after those of every earlier batch, because
   * MQTT asks for PUBACKs in the order the PUBLISHes arrived. Never throws.
   */
  private persist(batch: ReadingBatch & { acks: (() => void)[] }, spill: boolean): Promise<void> {
    const durable = this.makeDurable(batch, spill);
    const acknowledged = Promise.all([durable, this.ackChain]).then(([result]) => {
      for (const ack of batch.acks) ack();
      this.unacknowledged -= batch.acks.length;
      if (result?.inserted.length) this.options.onStored?.(result.inserted);
    });
    this.ackChain = acknowledged;
    return acknowledged;
  }

  /** Commits the batch, or writes it to the spool when PostgreSQL fails; the commit result when committed. */
  private async makeDurable(batch: ReadingBatch, spill = false): Promise<CommitResult | undefined> {
    const { logger } = this.options;
    if (spill) spilledBatches.inc();
    if (!this.databaseDown && !spill) {
      const started = process.hrtime.bigint();
      try {
        const result = await this.commitIsolating(batch);
        commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        readingsStored.inc(result.inserted.length);
        readingsDuplicate.inc(result.duplicates);
        return result;
      } catch (error) {
        if (!this.databaseDown) logger.warn({ err: error }, 'PostgreSQL did not take a sensor batch; spooling locally until it is back');
        this.databaseDown = true;
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.spool.write(batch);
        spooledBatches.inc();
        spoolFiles.inc();
        this.requestReplay();
        return undefined;
      } catch (error) {
        // Disk full or unwritable: keep the messages un-acknowledged in memory (the broker's receive
        // maximum bounds how many) and retry; nothing is acknowledged that is not durable.
        logger.error({ err: error, spool: this.spool.directory }, 'cannot write the sensor spool; retrying');
        await sleep(backoffMs(attempt, 500, 10_000));
      }
    }
  }

  /**
   * Commits a batch; if PostgreSQL refuses its data (which validation should make impossible), halves it until
   * the offending items are found, commits the rest and sets those aside in a file, so one bad row can never
   * stall the stream. Unreachable-database errors are thrown to the caller unchanged.
   */
  private async commitIsolating(batch: ReadingBatch): Promise<CommitResult> {
    try {
      return await this.commitWithTimeout(batch);
    } catch (error) {
      if (!isRowProblem(error)) throw error;
      const size = batch.readings.length + batch.deadLetters.length;
      if (size <= 1) {
        unstorable.inc();
        const file = await this.spool.writeUnstorable(batch, (error as Error).message);
        this.options.logger.error({ err: error, file }, 'PostgreSQL refused a sensor reading as data; set aside for inspection');
        return { inserted: [], duplicates: 0 };
      }
      const halfReadings = Math.ceil(batch.readings.length / 2);
      const halfLetters = Math.ceil(batch.deadLetters.length / 2);
      const first = await this.commitIsolating({
        readings: batch.readings.slice(0, halfReadings),
        deadLetters: batch.deadLetters.slice(0, halfLetters),
        overflow: batch.overflow,
      });
      const second = await this.commitIsolating({ readings: batch.readings.slice(halfReadings), deadLetters: batch.deadLetters.slice(halfLetters) });
      return { inserted: [...first.inserted, ...second.inserted], duplicates: first.duplicates + second.duplicates };
    }
  }

  private async commitWithTimeout(batch: ReadingBatch) {
    const timeoutMs = this.options.commitTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        commitReadingBatch(this.options.db, batch),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`commit took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private requestReplay() {
    if (this.replaying) {
      this.replayAgain = true;
      return;
    }
    this.replaying = this.replayLoop().finally(() => {
      this.replaying = undefined;
    });
  }

  /** Commits spooled batches oldest first, backing off while the database is still away. */
  private async replayLoop(): Promise<void> {
    const { logger } = this.options;
    let attempt = 0;
    for (;;) {
      this.replayAgain = false;
      let files: string[];
      try {
        files = await this.spool.list();
      } catch (error) {
        logger.error({ err: error }, 'cannot list the sensor spool');
        files = [];
      }
      spoolFiles.set(files.length);
      if (!files.length) {
        if (this.replayAgain) continue;
        if (this.databaseDown) logger.info('sensor spool replayed; writing to PostgreSQL directly again');
        this.databaseDown = false;
        return;
      }
      try {
        for (const name of files) {
          let batch: ReadingBatch;
          try {
            batch = await this.spool.read(name);
          } catch (error) {
            logger.error({ err: error, file: name }, 'unreadable spool file set aside');
            await this.spool.setAside(name);
            continue;
          }
          const result = await this.commitIsolating(batch);
          await this.spool.remove(name);
          spoolFiles.dec();
          readingsStored.inc(result.inserted.length);
          readingsDuplicate.inc(result.duplicates);
          if (result.inserted.length) this.options.onStored?.(result.inserted);
        }
        attempt = 0;
      } catch (error) {
        if (this.stopping && !this.inFlight.size) return; // the next start replays what is left
        const delay = backoffMs(attempt++, 500, 10_000);
        logger.debug({ err: error, delayMs: delay }, 'sensor spool replay waiting for PostgreSQL');
        await sleep(delay);
      }
    }
  }
}
