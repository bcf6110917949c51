// The joint rules' evaluator: reads the enabled rules and the facts they name (sensor levels and alerts,
// camera alerts of the last minutes), raises a joint alert for each new or changed match (with both
// evidences and the nearest camera's snapshot) and clears those whose conditions no longer hold.
//
// Runs in the sensor-ingest role: a joint alert belongs to its sensor (its place, district and source),
// and that role already makes periodic passes over sensor state with one process at a time (the tide
// forecaster, the pump watch). The analytics role is scaled out per camera load and may not run at all in
// a city without cameras; cameras' alerts reach here through PostgreSQL like everything else.
//
// A pass runs at start, every `checkEveryMs` (a camera situation leaving the window needs no event), and
// within a moment of any camera or sensor alert changing or a rule being saved (jointRulesWake). With
// several sensor-ingest processes one makes each pass: it holds an advisory lock for the pass, raising
// and clearing included, so two processes never settle the same alert from different readings.
import type { AlertRaiser } from '@cityops/core/alerts/types';
import { NotificationBus, textChannel } from '@cityops/core/database/notification-bus';
import { withTransaction, type Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import type { JointCameraAlertKind } from '@cityops/contract/joint-rules';
import { planJointAlerts } from './match.ts';
import { cameraSituations, cameraSnapshot, listJointRules, openJointAlerts, sensorFacts } from './repository.ts';

/** Sent by the alerts table's trigger (migration 0116) and by the rule routes. */
export const jointRulesWake = textChannel('cityops_joint_rules_wake');
/** Advisory lock key of a pass ("join" in ASCII). */
export const JOINT_PASS_LOCK_KEY = 0x6a6f696e;
/** Another process held the pass while we were woken: look again this much later (its pass may have read before the change). */
const BUSY_RETRY_MS = 1000;

const settled = counter('cityops_joint_alerts_total', 'joint alerts raised or cleared, and actions that failed', ['action']);

export interface JointPassOutcome {
  /** false when another process held the pass. */
  evaluated: boolean;
  raised: number;
  cleared: number;
}

export interface JointRuleEvaluatorDeps {
  db: Database;
  logger: Logger;
  alerts: AlertRaiser;
  checkEveryMs: number;
}

export class JointRuleEvaluator implements Component {
  readonly name = 'joint-rules';
  private readonly poll: PeriodicTask<JointPassOutcome>;
  private readonly listener: NotificationBus;
  private again = false;
  private stopped = true;
  private busyTimer?: NodeJS.Timeout;

  constructor(private readonly deps: JointRuleEvaluatorDeps) {
    this.poll = new PeriodicTask('joint-rules', () => this.passes(), deps.logger, deps.checkEveryMs, Math.min(1000, deps.checkEveryMs));
    this.listener = new NotificationBus({ db: deps.db, logger: deps.logger, name: 'joint-rules:listen', retryMaxMs: deps.checkEveryMs }).on(jointRulesWake, () => this.wake());
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    await this.poll.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.busyTimer);
    await this.listener.stop();
    await this.poll.stop();
  }

  /** A pass now; one already running goes round once more (it may have read before the change committed). */
  private wake(): void {
    if (this.stopped) return;
    this.again = true;
    void this.poll.runOnce();
  }

  private async passes(): Promise<JointPassOutcome> {
    const woken = this.again;
    let outcome: JointPassOutcome;
    do {
      this.again = false;
      outcome = await this.passOnce();
    } while (this.again && !this.stopped && outcome.evaluated);
    // A periodic pass another process made is simply done; a change we were woken for is looked at again.
    if (!outcome.evaluated && woken && !this.stopped) {
      clearTimeout(this.busyTimer);
      this.busyTimer = setTimeout(() => this.wake(), BUSY_RETRY_MS);
      this.busyTimer.unref();
    }
    return outcome;
  }

  /** One pass over every enabled rule. Throws only when the facts cannot be read (the periodic task retries). */
  async passOnce(nowMs = Date.now()): Promise<JointPassOutcome> {
    const { db, alerts, logger } = this.deps;
    return withTransaction(db, async (tx) => {
      const lock = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [JOINT_PASS_LOCK_KEY]);
      if (!lock.rows[0].locked) return { evaluated: false, raised: 0, cleared: 0 };
      const rules = await listJointRules(tx, { enabledOnly: true });
      const sensors = await sensorFacts(tx, rules);
      const cameraKinds = [...new Set(rules.flatMap((rule) => rule.cameraAlertKinds))] as JointCameraAlertKind[];
      const longestWindowMs = Math.max(0, ...rules.map((rule) => rule.windowMinutes)) * 60_000;
      const situations = await cameraSituations(tx, cameraKinds, nowMs - longestWindowMs);
      const plan = planJointAlerts(rules, sensors, situations, await openJointAlerts(tx), nowMs);

      // Each alert on its own: one that cannot be raised (its sensor deleted meanwhile) costs that alert only.
      let raised = 0;
      let cleared = 0;
      for (const { trigger, match } of plan.raise) {
        try {
          const pictured = match.cameras.find((camera) => camera.hasSnapshot);
          const snapshotJpeg = pictured ? await cameraSnapshot(tx, pictured.alertId) : undefined;
          await alerts.raise({ ...trigger, evidence: { ...trigger.evidence, ...(snapshotJpeg ? { snapshotJpeg } : {}) } });
          raised += 1;
          settled.inc({ action: 'raised' });
        } catch (error) {
          settled.inc({ action: 'failed' });
          logger.warn({ err: error, sensorId: trigger.sourceId, zoneId: trigger.zoneId }, 'could not raise a joint alert; the next pass tries again');
        }
      }
      for (const { key, reason } of plan.clear) {
        try {
          await alerts.clear(key, reason);
          cleared += 1;
          settled.inc({ action: 'cleared' });
        } catch (error) {
          settled.inc({ action: 'failed' });
          logger.warn({ err: error, sensorId: key.sourceId, zoneId: key.zoneId }, 'could not clear a joint alert; the next pass tries again');
        }
      }
      return { evaluated: true, raised, cleared };
    });
  }
}
