// Alert actions (raise, clear) on their way to the alerts service, for every producer. Two stores, one
// delivery rule:
// - sensor rules keep their actions in PostgreSQL, in the transaction that changed the sensor's state
//   (analytics/sensor-rules/state-repository.ts), and send them with sendAlertAction;
// - producers with no transaction of their own (camera health in camera-ingest, vision situations in
//   analytics) use DurableAlertOutbox below: the action is written to a file under DATA_DIR and fsynced
//   before raise()/clear() return, then delivered in order. During a PostgreSQL outage the files wait;
//   when it returns they go out oldest first. A file is deleted only after its action committed, and
//   each raise carries a delivery id (migration 0060), so resending after a crash makes no second alert.
// The rule for both: in order; a refusal as invalid (4xx) drops that action, loudly; any other failure
// stops delivery there and retries with backoff, so a later clear never overtakes its raise.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isRefusal } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { counter, gauge } from '../metrics.ts';
import type { AlertKey, AlertRaiser, AlertTrigger } from './types.ts';
import type { LocalisedText } from '@cityops/contract/alerts';

export type AlertOutboxAction = { type: 'raise'; trigger: AlertTrigger } | { type: 'clear'; key: AlertKey; reason?: LocalisedText };

/**
 * Sends one action. 'refused' when the alerts service refused it as invalid (e.g. the device was deleted
 * meanwhile): retrying cannot help. Throws when a retry may succeed (the database is away).
 */
export async function sendAlertAction(alerts: AlertRaiser, action: AlertOutboxAction, deliveryId?: string): Promise<'sent' | 'refused'> {
  try {
    if (action.type === 'raise') await alerts.raise(action.trigger, deliveryId ? { deliveryId } : undefined);
    else await alerts.clear(action.key, action.reason);
    return 'sent';
  } catch (error) {
    if (isRefusal(error)) return 'refused';
    throw error;
  }
}

/** What producers of alerts depend on: the outbox takes an action once it is durable. */
export interface AlertSink {
  raise(trigger: AlertTrigger): Promise<unknown>;
  clear(key: AlertKey, reason?: LocalisedText): Promise<unknown>;
}

const outboxActions = counter('cityops_alert_outbox_actions_total', 'alert actions through the durable outbox, by producer and outcome', ['producer', 'outcome']);
const outboxPending = gauge('cityops_alert_outbox_pending', 'alert actions waiting in the durable outbox, by producer', ['producer']);

export interface DurableAlertOutboxOptions {
  /** Names the producer in metrics and logs (camera-ingest, analytics). */
  producer: string;
  /** Its own directory, e.g. DATA_DIR/alert-outbox/camera-ingest. */
  directory: string;
  alerts: AlertRaiser;
  logger: Logger;
  /** Above this many bytes waiting, new actions are dropped (counted, logged) rather than filling the disk. */
  maxBytes: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface StoredAction {
  deliveryId: string;
  action: AlertOutboxAction;
}

export class DurableAlertOutbox implements AlertSink {
  private sequence = 0;
  /** Writes one at a time, in call order: a file is renamed into place only after the one before it. */
  private writing: Promise<unknown> = Promise.resolve();
  private pendingBytes = 0;
  private pendingFiles = 0;
  private delivering?: Promise<void>;
  private deliverAgain = false;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs: number;
  private stopped = false;

  constructor(private readonly options: DurableAlertOutboxOptions) {
    this.retryDelayMs = options.retryMinMs ?? 1000;
  }

  /** Counts what a previous run left and starts delivering it. */
  async start(): Promise<void> {
    await mkdir(this.options.directory, { recursive: true, mode: 0o700 });
    for (const name of await this.pending()) {
      this.pendingBytes += (await stat(path.join(this.options.directory, name))).size;
      this.pendingFiles++;
    }
    outboxPending.set({ producer: this.options.producer }, this.pendingFiles);
    if (this.pendingFiles) this.options.logger.info({ producer: this.options.producer, pending: this.pendingFiles }, 'delivering alert actions left in the outbox');
    this.deliver();
  }

  /** Delivers what is ready now, then stops retrying; the files stay for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.writing.catch(() => {});
    await this.delivering;
  }

  raise(trigger: AlertTrigger): Promise<void> {
    return this.add({ type: 'raise', trigger });
  }

  clear(key: AlertKey, reason?: LocalisedText): Promise<void> {
    return this.add({ type: 'clear', key, reason });
  }

  /** Resolves once the action is on disk (fsynced), before it is delivered. */
  private add(action: AlertOutboxAction): Promise<void> {
    // Names sort in the order actions were given: time, then a counter within the process.
    const name = `${Date.now().toString().padStart(15, '0')}-${(this.sequence++).toString().padStart(9, '0')}.json`;
    const written = this.writing.then(() => this.write(name, { deliveryId: randomUUID(), action }));
    this.writing = written.catch(() => {});
    return written.then(() => this.deliver());
  }

  private async write(name: string, stored: StoredAction): Promise<void> {
    const { directory, producer, maxBytes, logger } = this.options;
    const body = JSON.stringify(stored, (_key, value: unknown) =>
      // Buffers (snapshots) as base64; JSON.stringify has already turned Dates into ISO strings.
      value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
        ? { base64: Buffer.from((value as { data: number[] }).data).toString('base64') }
        : value,
    );
    if (this.pendingBytes + Buffer.byteLength(body) > maxBytes) {
      outboxActions.inc({ producer, outcome: 'dropped_full' });
      logger.error({ producer, pendingBytes: this.pendingBytes, maxBytes, action: stored.action.type }, 'alert outbox full; action dropped');
      return;
    }
    const temporary = path.join(directory, `.${name}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path.join(directory, name));
    const directoryHandle = await open(directory, 'r');
    try {
      await directoryHandle.sync(); // the rename must survive a power cut too
    } finally {
      await directoryHandle.close();
    }
    this.pendingBytes += Buffer.byteLength(body);
    this.pendingFiles++;
    outboxPending.set({ producer }, this.pendingFiles);
    outboxActions.inc({ producer, outcome: 'queued' });
  }

  private async pending(): Promise<string[]> {
    return (await readdir(this.options.directory)).filter((name) => /^\d{15}-\d{9}\.json$/.test(name)).sort();
  }

  /** Starts a delivery pass, or asks the running one to look again. Never throws. */
  private deliver(): void {
    if (this.stopped) return;
    if (this.delivering) {
      this.deliverAgain = true;
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.delivering = this.deliverPending().finally(() => {
      this.delivering = undefined;
      if (this.deliverAgain && !this.retryTimer) {
        this.deliverAgain = false;
        this.deliver();
      }
    });
  }

  private async deliverPending(): Promise<void> {
    const { directory, producer, alerts, logger } = this.options;
    do {
      this.deliverAgain = false;
      let names: string[];
      try {
        names = await this.pending();
      } catch (error) {
        logger.error({ err: error, producer, directory }, 'cannot list the alert outbox');
        return this.retryLater();
      }
      for (const name of names) {
        if (this.stopped) return;
        const file = path.join(directory, name);
        let text: string;
        let stored: StoredAction;
        try {
          text = await readFile(file, 'utf8');
          stored = revive(JSON.parse(text) as StoredAction);
        } catch (error) {
          outboxActions.inc({ producer, outcome: 'unreadable' });
          logger.error({ err: error, producer, file }, 'unreadable alert outbox entry set aside');
          await rename(file, `${file}.unreadable`).catch(() => {});
          continue;
        }
        try {
          const outcome = await sendAlertAction(alerts, stored.action, stored.deliveryId);
          outboxActions.inc({ producer, outcome });
          if (outcome === 'refused') logger.error({ producer, action: stored.action.type, key: keyOf(stored.action) }, 'alerts service refused an outbox action; dropped');
        } catch (error) {
          outboxActions.inc({ producer, outcome: 'failed' });
          // Once per outage, not per retry: the backoff grows while it lasts.
          if (this.retryDelayMs === (this.options.retryMinMs ?? 1000)) {
            logger.warn({ err: error, producer, pending: this.pendingFiles }, 'alert actions wait in the outbox until the database is back');
          }
          return this.retryLater();
        }
        await unlink(file).catch(() => {});
        this.pendingBytes = Math.max(0, this.pendingBytes - Buffer.byteLength(text));
        this.pendingFiles = Math.max(0, this.pendingFiles - 1);
        outboxPending.set({ producer }, this.pendingFiles);
        this.retryDelayMs = this.options.retryMinMs ?? 1000;
      }
    } while (this.deliverAgain && !this.stopped);
  }

  private retryLater(): void {
    if (this.stopped) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.options.retryMaxMs ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.deliver();
    }, delay);
  }
}

function keyOf(action: AlertOutboxAction): AlertKey {
  return action.type === 'raise' ? action.trigger : action.key;
}

/** Dates and snapshots back from JSON. */
function revive(stored: StoredAction): StoredAction {
  if (stored.action.type !== 'raise') return stored;
  const trigger = stored.action.trigger as AlertTrigger & { observedAt?: Date | string };
  const snapshot = trigger.evidence?.snapshotJpeg as unknown as { base64?: string } | undefined;
  return {
    ...stored,
    action: {
      type: 'raise',
      trigger: {
        ...trigger,
        observedAt: typeof trigger.observedAt === 'string' ? new Date(trigger.observedAt) : trigger.observedAt,
        ...(trigger.evidence
          ? { evidence: { ...trigger.evidence, snapshotJpeg: snapshot?.base64 ? Buffer.from(snapshot.base64, 'base64') : undefined } }
          : {}),
      },
    },
  };
}
