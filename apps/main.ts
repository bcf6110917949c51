// CityOps entry point: `npm start` (every role, embedded database and broker by default) or
// `npm start -- --role sensor-ingest` (one role, against DATABASE_URL and MQTT_URL).
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '@cityops/core/config';
import { createLogger, type Logger } from '@cityops/core/logger';
import type { Component } from '@cityops/core/lifecycle';
import { createDatabase, databaseTimeouts, waitForDatabase } from '@cityops/core/database/pool';
import { migrate } from '@cityops/core/database/migrate';
import { EmbeddedDatabase } from '@cityops/core/database/embedded';
import { partitionMaintainer } from '@cityops/core/database/partition-maintainer';
import { housekeeping } from '@cityops/core/database/housekeeping';
import { currentRole, warnIfSuperuser } from '@cityops/core/database/roles';
import { EmbeddedBroker } from '@cityops/core/mqtt/embedded-broker';
import { connectMqtt } from '@cityops/core/mqtt/connect';
import { SecretBox } from '@cityops/core/secret-box';
import { ensureFirstAdmin } from '@cityops/core/auth/users';
import { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';
import { roleModules, type SameProcess } from './roles.ts';
import type { RoleContext } from '@cityops/core/role-context';
import { Supervisor } from '@cityops/core/supervisor';
import { childWatchdog } from '@cityops/core/child-watchdog';
import { ensureDemoAssets } from '@cityops/core/demo-assets';

export interface RunningSystem {
  config: Config;
  dashboardUrl: string;
  oneTimeAdminPassword?: string;
  stop(): Promise<void>;
}

/** Longest wait for one component's stop at shutdown (the api's own grace for open requests is 5 s). */
const COMPONENT_STOP_TIMEOUT_MS = 20_000;

async function stopWithin(component: Component, timeoutMs: number): Promise<'stopped' | 'timed_out' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed_out'>((resolve) => (timer = setTimeout(() => resolve('timed_out'), timeoutMs)));
  try {
    return await Promise.race([component.stop().then(() => 'stopped' as const, (error: unknown) => (error instanceof Error ? error : new Error(String(error)))), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads (or creates once) a random secret kept in DATA_DIR, for embedded-mode service accounts. */
function localSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Starts everything this process runs. Each role, the simulation and each periodic job runs under the
 * supervisor: a failure nobody caught is charged to it and, if it keeps failing, it is restarted alone.
 */
export async function startSystem(config: Config, logger: Logger, supervisor = new Supervisor(logger)): Promise<RunningSystem> {
  const started: Component[] = [];
  const startNow = async (component: Component) => {
    await component.start();
    started.push(component);
  };
  // A stop that hangs (a pool waiting for a client a failed query never released, say) costs its own
  // component a bounded wait, never the stop of the others: PostgreSQL and ffmpeg must still be stopped.
  const stopAll = async () => {
    for (const component of started.reverse()) {
      const outcome = await stopWithin(component, COMPONENT_STOP_TIMEOUT_MS);
      if (outcome === 'timed_out') logger.warn({ component: component.name, timeoutMs: COMPONENT_STOP_TIMEOUT_MS }, 'component did not stop in time; stopping the rest');
      else if (outcome instanceof Error) logger.warn({ err: outcome, component: component.name }, 'component failed to stop cleanly');
    }
  };

  try {
    // First to start, last to stop: it stops the embedded PostgreSQL and every ffmpeg if this process dies.
    await startNow(childWatchdog);
    let databaseUrl = config.DATABASE_URL;
    let ownerUrl = config.DATABASE_OWNER_URL;
    if (config.embeddedDatabase) {
      const embedded = new EmbeddedDatabase(config.dataDir, config.EMBEDDED_DATABASE_PORT, logger);
      await startNow(embedded);
      databaseUrl = embedded.appUrl;
      ownerUrl = embedded.ownerUrl;
    }
    const db = createDatabase(databaseUrl!, 20, databaseTimeouts(config));
    started.push({ name: 'database-pool', start: async () => {}, stop: () => db.end() });
    await waitForDatabase(db, databaseUrl!, logger);
    // The owner connection: migrations and partition maintenance only (see database/roles.ts).
    const ownerDb = ownerUrl ? createDatabase(ownerUrl, 2) : undefined;
    if (ownerDb) started.push({ name: 'database-owner-pool', start: async () => {}, stop: () => ownerDb.end() });
    const appRole = await currentRole(db);
    const caps = await migrate(ownerDb ?? db, { logger, grantTo: ownerDb ? appRole : undefined });
    await warnIfSuperuser(db, logger);
    logger.info({ timescale: caps.timescale }, caps.timescale ? 'TimescaleDB found: hypertables in use' : 'plain PostgreSQL: daily range partitions in use');
    const secretBox = SecretBox.fromConfig(config.SECRET_KEY, config.dataDir);

    if (config.embeddedBroker) {
      const servicePassword = localSecret(config.dataDir, 'mqtt-service.password');
      const { authenticateSensorDevice } = await import('@cityops/devices/sensor-repository');
      const broker = new EmbeddedBroker({
        port: config.EMBEDDED_MQTT_PORT,
        serviceUsername: 'cityops',
        servicePassword,
        devices: { authenticate: (username, password) => authenticateSensorDevice(db, secretBox, username, password) },
        logger,
      });
      await startNow(broker);
      config = { ...config, MQTT_URL: broker.url, MQTT_USERNAME: 'cityops', MQTT_PASSWORD: servicePassword };
    }

    const context: RoleContext = {
      config,
      db,
      caps,
      logger,
      secretBox,
      connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
    };
    const partitions = await partitionMaintainer(ownerDb ?? db, caps, logger);
    if (partitions) await startNow(supervisor.supervise(partitions));
    await startNow(supervisor.supervise(housekeeping(db, config.SESSION_IDLE_MINUTES, logger)));

    let oneTimeAdminPassword: string | undefined;
    if (config.roles.includes('api')) oneTimeAdminPassword = await ensureFirstAdmin(db, config.ADMIN_USERNAME);
    if (config.simulate) {
      await ensureDemoAssets(config, logger);
      const { seedDemoDevices } = await import('@cityops/devices/demo-seed');
      await seedDemoDevices(context);
    }
    // Simulated devices start before the roles and so stop after them: a deliberate shutdown must
    // not look like every camera and sensor going offline at once.
    if (config.simulate) {
      const { createSimulation } = await import('@cityops/ingest/simulation');
      await startNow(supervisor.superviseFactory('simulation', () => createSimulation(context)));
    }
    // camera-ingest and analytics side by side: frames of the cameras analysed here skip the JPEG round
    // trip through the broker (FRAME_TRANSPORT=auto); frames for workers elsewhere still go over MQTT.
    const sameProcess: SameProcess = {
      localFrames:
        config.FRAME_TRANSPORT === 'auto' && config.roles.includes('camera-ingest') && config.roles.includes('analytics') ? new InProcessFrameChannel() : undefined,
    };
    if (sameProcess.localFrames) logger.info('camera-ingest and analytics in one process: frames of cameras analysed here are handed over in memory (FRAME_TRANSPORT=auto)');
    for (const role of config.roles) {
      const module = await roleModules[role]();
      await startNow(supervisor.superviseFactory(role, () => module.createRole(context, sameProcess)));
      logger.info({ role }, 'role started');
    }
    const dashboardUrl = config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}/`;
    return { config, dashboardUrl, oneTimeAdminPassword, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`cityops: ${error.message}\nSee README.md, section "Configuration".`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // From here on, no unhandled rejection or uncaught exception exits the process: each is counted, logged
  // and charged to its component (see supervisor.ts). While stopping, a late failure of something already
  // closed (a query on an ended pool, a socket torn down) is only logged: the stop decides the exit code.
  let stopping = false;
  const supervisor = new Supervisor(logger);
  supervisor.installProcessHandlers(() => stopping);
  let system: RunningSystem;
  try {
    system = await startSystem(config, logger, supervisor);
  } catch (error) {
    logger.fatal({ err: error }, 'CityOps could not start');
    console.error(`cityops: could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  if (config.roles.includes('api')) {
    // Printed plainly (not as JSON) so a person starting CityOps sees it at once.
    // One write, so that whoever reads the output never sees the URL without the password.
    const lines = [`\n  CityOps dashboard: ${system.dashboardUrl}`];
    if (system.oneTimeAdminPassword) {
      lines.push(`  First admin: ${config.ADMIN_USERNAME} / one-time password: ${system.oneTimeAdminPassword}`);
      lines.push('  (you must choose a new password at first login; this is shown only once)\n');
    }
    console.log(lines.join('\n'));
  }
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
