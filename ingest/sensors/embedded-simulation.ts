// The sensor part of the embedded demo (SIMULATE): the demo sensors publish to the embedded broker with
// their own device credentials (set once by the simulator, encrypted in the registry), so the broker's
// per-device ACL is exercised exactly as in production. With SENSOR_SIM_TIME_FACTOR = 60 the Phú An gauge
// starts two simulated hours before a spring high tide: it crosses alarm levels I, II and III (1.50 /
// 1.60 / 1.70 m) within about a minute and a half of the start and is back to normal a few minutes later.
import type { Component } from '@cityops/core/lifecycle';
import type { RoleContext } from '@cityops/core/role-context';
import { ensureDeviceCredentials } from '@cityops/devices/broker-credentials';
import { listDemoSeedSensors } from '@cityops/devices/demo-seed';
import { SensorSimulator } from './simulator.ts';

export const DEMO_START_HOURS = -2;

export function createSensorSimulation(context: RoleContext): Component {
  let simulator: SensorSimulator | undefined;
  return {
    name: 'sensor-simulation',
    async start() {
      const { db, secretBox, config, logger } = context;
      // The sensors the demo seed registered: an engineer's own sensors are left alone.
      const demo = await listDemoSeedSensors(db);
      if (!demo.length || !config.MQTT_URL) return;
      const credentials = await ensureDeviceCredentials(db, secretBox, demo.map((row) => row.id));
      simulator = new SensorSimulator({
        url: config.MQTT_URL,
        devices: demo.map((row) => ({ id: row.id, kind: row.kind, intervalMs: row.expectedIntervalSeconds * 1000, credentials: credentials.get(row.id) })),
        timeFactor: config.SENSOR_SIM_TIME_FACTOR,
        startHours: DEMO_START_HOURS,
        logger: logger.child({ component: 'sensor-simulator' }),
      });
      await simulator.start();
    },
    async stop() {
      await simulator?.stop();
      simulator = undefined;
    },
  };
}
