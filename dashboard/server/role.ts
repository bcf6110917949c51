// The api role's server: REST API (the routes it is given), OpenAPI docs, dashboard files and live
// updates over socket.io. apps/roles/api.ts gives it every feature's routes.
import { backoffMs, ComponentGroup, type Component } from '@cityops/core/lifecycle';
import type { FeatureRoutes } from '@cityops/core/http/route-context';
import type { RoleContext } from '@cityops/core/role-context';
import type { MqttClient } from 'mqtt';
import { moveStoredCameraCredentials } from '@cityops/devices/stored-credentials-upgrade';
import { buildApiServer } from './app.ts';
import { createRealtimeServer, type CityOpsServer } from './realtime.ts';
import { createIncidentLinker } from './incidents/linker.ts';
import { createEscalationWorker } from './incidents/escalation.ts';
import { createHandoffDelivery } from './incidents/handoffs.ts';
import { createContactRetention } from './citizen-reports/contact-retention.ts';
import { createMediaSweep } from './citizen-reports/media-sweep.ts';
import { createMediaStore, reportMediaDirOf } from '@cityops/core/media-store';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { createDailyExport, dailyDir } from './open-data/daily-files.ts';
import { createReportSchedule } from './leader-reports/schedule.ts';
import { openDataMeta } from './open-data/entity-type.ts';
import type { FastifyInstance } from 'fastify';

const STOP_GRACE_MS = 5000;

export class ApiRole implements Component {
  readonly name = 'api';
  private app?: FastifyInstance;
  private io?: CityOpsServer;
  private mqtt?: MqttClient;
  private credentialsRetry?: NodeJS.Timeout;
  private stopping = false;
  /** The api role's workers: the incident desk's (alert linker, dispatch escalation, handoffs: incidents/README.md) and the open data daily files. */
  private incidentWorkers?: Component;

  constructor(
    private readonly context: RoleContext,
    private readonly routes: FeatureRoutes[],
  ) {}

  get server(): FastifyInstance | undefined {
    return this.app;
  }

  /** The live sockets' server (features and tests look at connected sockets through it). */
  get realtime(): CityOpsServer | undefined {
    return this.io;
  }

  get port(): number {
    const address = this.app?.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async start(): Promise<void> {
    const { config, db, caps, logger, secretBox } = this.context;
    // Before anything is served: no answer may carry a credential an older version left in a URL. With
    // the database away at start the api starts anyway (it serves no camera then) and tries again.
    await this.moveStoredCredentials();
    this.mqtt = config.MQTT_URL ? await this.context.connectMqtt(`cityops-api-${process.pid}-${Date.now()}`) : undefined;
    this.app = await buildApiServer({ config, db, caps, logger, secretBox, mqtt: this.mqtt }, this.routes);
    this.io = createRealtimeServer(this.app.server, { config, db, caps, logger, secretBox, mqtt: this.mqtt });
    await this.app.listen({ host: config.HOST, port: config.PORT });
    const live = createLivePublisher(db);
    this.incidentWorkers = new ComponentGroup([
      createIncidentLinker(db, logger.child({ component: 'incident-linker' }), live),
      createEscalationWorker({ db, live }, logger.child({ component: 'dispatch-escalation' })),
      createHandoffDelivery({ db, live, secretBox, mqtt: () => this.mqtt, cap: { sender: config.CAP_SENDER, publicUrl: config.PUBLIC_URL } }, logger.child({ component: 'handoff-delivery' })),
      createContactRetention(db, logger.child({ component: 'report-contact-retention' }), config.REPORT_CONTACT_DAYS),
      createMediaSweep(db, createMediaStore(reportMediaDirOf(config)), logger.child({ component: 'report-media-sweep' })),
      // The open data daily files (open-data/daily-files.ts): written by every api process into the same
      // directory is harmless (a day is renamed into place whole), so no leader is needed.
      ...(config.OPEN_DATA_DAILY_FILES
        ? [createDailyExport({ db, caps, meta: openDataMeta(config), dir: dailyDir(config) }, logger.child({ component: 'open-data-daily-files' }))]
        : []),
      // The daily and weekly reports for leaders (leader-reports/schedule.ts: one process makes each).
      ...(config.LEADER_REPORTS_SCHEDULE ? [createReportSchedule(db, logger.child({ component: 'leader-reports' }))] : []),
    ]);
    await this.incidentWorkers.start();
  }

  private async moveStoredCredentials(attempt = 0): Promise<void> {
    const { db, secretBox, logger } = this.context;
    try {
      await moveStoredCameraCredentials(db, secretBox, logger);
    } catch (error) {
      if (this.stopping) return;
      if (attempt === 0) logger.warn({ err: error }, 'cannot check camera URLs for stored credentials yet; trying again');
      this.credentialsRetry = setTimeout(() => void this.moveStoredCredentials(attempt + 1), backoffMs(attempt, 1000, 30_000));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.credentialsRetry);
    await this.incidentWorkers?.stop();
    // Requests in flight get a few seconds to finish; then their connections are cut, so that a stalled
    // upload from a phone on a bad link cannot hold a shutdown (or a restart) forever.
    const cutOff = setTimeout(() => this.app?.server.closeAllConnections(), STOP_GRACE_MS);
    try {
      await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
      await this.app?.close();
    } finally {
      clearTimeout(cutOff);
    }
    await this.mqtt?.endAsync();
  }
}

