// The former default client id of sensor-ingest, `cityops-sensor-ingest-<host>` (guessable, so replaced by
// one with a random suffix; see role.ts). Upgrading leaves two things under that id: the local spool, moved
// to the new id when it is made, and the broker's persistent session, which holds every reading published
// while the worker was down for the upgrade. Nobody connects with the old id any more, so the session is
// drained once (session-drain.ts) and ended; a marker in DATA_DIR records that it is done.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '@cityops/core/config';
import { backoffMs, type Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { hostTag } from './host-tag.ts';
import { SessionInUseError, drainSession, type SessionDrainOptions } from './session-drain.ts';

/** The default client id before the random suffix (host cut to 40 characters, as it was). */
export const legacyClientId = () => `cityops-sensor-ingest-${hostTag(40)}`;

/** Moves the former default id's spool to the new id's, so nothing it holds is stranded. */
export function moveLegacySpool(dataDir: string, clientId: string) {
  const legacySpool = path.join(dataDir, 'spool', 'sensors', legacyClientId());
  const spool = path.join(dataDir, 'spool', 'sensors', clientId);
  if (existsSync(legacySpool) && !existsSync(spool)) renameSync(legacySpool, spool);
}

const markerFile = (dataDir: string) => path.join(dataDir, 'sensor-ingest', `legacy-session-ended-${hostTag(24)}`);

/**
 * Whether this start should drain the former default id's session: the default id is in use (an operator
 * who sets SENSOR_INGEST_CLIENT_ID chose the id) and no earlier start has finished the drain.
 */
export const legacySessionNeedsDrain = (config: Config) => !config.SENSOR_INGEST_CLIENT_ID && !existsSync(markerFile(config.dataDir));

/**
 * Drains the former default id's session beside the running worker, once. A failure (broker away) never
 * stops the role: it is logged and tried again with backoff, and at the next start; readings received before
 * it are already durable. If the old id is in use (an old worker still running on this host), it waits for
 * the next start rather than fight that worker for the session.
 */
export class LegacySessionDrain implements Component {
  readonly name = 'sensor-ingest-legacy-session';
  private abort?: AbortController;
  private running?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: {
      config: Config;
      logger: Logger;
      /** The worker's options for everything but the client id: same broker, spool, batching, rules. */
      drain: Omit<SessionDrainOptions, 'signal'>;
      /** First retry after a failure; backs off to 5 minutes. */
      retryMinMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    if (!legacySessionNeedsDrain(this.options.config)) return;
    this.abort = new AbortController();
    this.attempt(0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    await this.running;
  }

  private attempt(failures: number) {
    const { logger, config, drain } = this.options;
    const signal = this.abort!.signal;
    this.running = drainSession({ ...drain, signal }).then(
      (result) => {
        const marker = markerFile(config.dataDir);
        try {
          mkdirSync(path.dirname(marker), { recursive: true, mode: 0o700 });
          writeFileSync(marker, `${new Date().toISOString()} ${JSON.stringify(result)}\n`, { mode: 0o600 });
        } catch (error) {
          // Not fatal: without the marker the next start drains the (now empty) session once more.
          logger.error({ err: error, marker }, 'could not record that the former default client id was drained');
        }
        logger.info({ ...result }, 'session of the former default client id drained and ended');
      },
      (error: unknown) => {
        if (signal.aborted) return;
        if (error instanceof SessionInUseError) {
          logger.warn({ clientId: drain.broker.clientId }, 'former default client id is in use by another client; its session is drained at the next start');
          return;
        }
        const delayMs = backoffMs(failures, this.options.retryMinMs ?? 5000, 300_000);
        logger.warn({ err: error, clientId: drain.broker.clientId, delayMs }, 'could not drain the session of the former default client id; trying again');
        this.retryTimer = setTimeout(() => this.attempt(failures + 1), delayMs);
      },
    );
  }
}
