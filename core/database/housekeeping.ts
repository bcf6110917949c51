// Hourly deletion of rows that only matter for a while: sessions idle past the timeout (they are refused
// anyway; this keeps the table small) and idempotency keys of alert actions past their retention.
// Every process may run it at once: the deletes are idempotent.
import { deleteExpiredSessions } from '../auth/sessions.ts';
import { deleteExpiredActionRequests } from '../alerts/lifecycle.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { Database } from './pool.ts';

export class Housekeeping implements Component {
  readonly name = 'housekeeping';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly sessionIdleMinutes: number,
    private readonly logger: Logger,
    private readonly intervalMs = 3_600_000,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  async runOnce(): Promise<{ sessions: number; actionRequests: number } | undefined> {
    try {
      const sessions = await deleteExpiredSessions(this.db, this.sessionIdleMinutes);
      const actionRequests = await deleteExpiredActionRequests(this.db);
      if (sessions || actionRequests) this.logger.info({ sessions, actionRequests }, 'housekeeping deleted expired rows');
      return { sessions, actionRequests };
    } catch (error) {
      this.logger.error({ err: error }, 'housekeeping failed; will retry next hour');
      return undefined;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}
