// Hostile input from one device account on its own topic (its own MQTT password, as an attacker holding
// one device's credentials would send): each message must end as a dead letter (or be refused by the
// broker), no role may exit, and the valid readings other sensors send around them must all be stored.
// The named cases of issue 11 plus a few neighbours. `lost` = valid readings not stored.
import mqtt from 'mqtt';
import { sensorReadingTopic } from '@cityops/contract/mqtt-topics';
import type { Scenario } from '../scenario.ts';
import { FaultSystem } from '../system.ts';
import { drain, ReadingPublisher } from '../readings.ts';
import { sleep, waitUntil } from '../processes.ts';

const DEVICE = 'load-0001';
const DEAD_LETTER_WITHIN_MS = 15_000;
const VALID_RATE = 20;

function poisonMessages(): Array<{ name: string; payload: Buffer }> {
  const depth = 120_000; // about 240 KB: under the 256 KB payload limit, deep enough to overflow a recursive walk
  return [
    { name: 'nested-array-240KB', payload: Buffer.from('['.repeat(depth) + ']'.repeat(depth)) },
    { name: 'nested-object-240KB', payload: Buffer.from('{"a":'.repeat(depth / 3) + '1' + '}'.repeat(depth / 3)) },
    { name: 'invalid-utf8', payload: Buffer.from([0x7b, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0xff, 0xfe, 0xc3, 0x28, 0x7d]) },
    { name: 'nan', payload: Buffer.from('{"value":NaN}') },
    { name: 'infinity-literal', payload: Buffer.from('{"value":1e999}') },
    { name: 'payload-1MB', payload: Buffer.from(`{"value":1.1,"pad":"${'x'.repeat(1024 * 1024)}"}`) },
    { name: 'ts-far-past', payload: Buffer.from('{"ts":"0001-01-01T00:00:00Z","value":1.1}') },
    { name: 'ts-epoch-negative', payload: Buffer.from('{"ts":-8640000000000000,"value":1.1}') },
    { name: 'ts-far-future', payload: Buffer.from('{"ts":"9999-12-31T23:59:59Z","value":1.1}') },
    { name: 'ts-beyond-date-range', payload: Buffer.from('{"ts":1e300,"value":1.1}') },
    { name: 'empty', payload: Buffer.alloc(0) },
    { name: 'null', payload: Buffer.from('null') },
    { name: 'batch-of-garbage', payload: Buffer.from(JSON.stringify(Array.from({ length: 5001 }, () => ({ value: 'x' })))) },
  ];
}

/**
 * One connection per poison message, never reconnecting: a broker that refuses a message by closing the
 * connection (an oversized packet) must not have it re-sent by the client on the next connection.
 */
async function publishOnce(url: string, credentials: { username: string; password: string }, clientId: string, payload: Buffer): Promise<string | undefined> {
  const device = await mqtt.connectAsync(url, { ...credentials, clientId, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000 });
  device.on('error', () => {});
  try {
    const closed = new Promise<string>((resolve) => device.once('close', () => resolve('refused by the broker (connection closed)')));
    const timedOut = sleep(PUBLISH_ACK_WITHIN_MS).then(() => `refused by the broker (no acknowledgement within ${PUBLISH_ACK_WITHIN_MS / 1000} s)`);
    const acknowledged = device
      .publishAsync(sensorReadingTopic(DEVICE), payload, { qos: 1 })
      .then((packet) => (packet && 'reasonCode' in packet && (packet.reasonCode ?? 0) >= 0x80 ? `refused by the broker (0x${packet.reasonCode!.toString(16)})` : undefined))
      .catch((error: Error) => `refused by the broker (${error.message})`);
    return await Promise.race([acknowledged, closed, timedOut]);
  } finally {
    await device.endAsync(true).catch(() => {});
  }
}

async function deadLetters(system: FaultSystem): Promise<{ n: number; reason: string | null }> {
  const result = await system.db.query<{ n: number; reason: string | null }>(
    `SELECT count(*)::int AS n, (array_agg(reason ORDER BY received_at DESC))[1] AS reason FROM sensor_dead_letters WHERE sensor_id = $1`,
    [DEVICE],
  );
  return result.rows[0];
}

const PUBLISH_ACK_WITHIN_MS = 15_000;

export const poison: Scenario = {
  name: 'poison',
  timeoutMs: () => 900_000,
  async run({ system: create, log }) {
    const system = create({ cameras: 0, loadSensors: 100, roles: ['api', 'sensor-ingest', 'analytics'], deviceAccounts: [DEVICE] });
    await system.start();
    const credentials = system.deviceCredentials.get(DEVICE)!;
    const validSensors = system.loadSensorIds.filter((id) => id !== DEVICE);
    const publisher = new ReadingPublisher({ url: system.broker.url, ...system.service, clientId: `faults-pub-${system.tag}`, sensorIds: validSensors });
    await publisher.connect();
    publisher.start(VALID_RATE);
    await sleep(3000);
    const outcomes: string[] = [];
    let freshSessions = 0;
    const failures: string[] = [];
    for (const message of poisonMessages()) {
      const before = await deadLetters(system).catch(() => ({ n: -1, reason: null }));
      const refused = await publishOnce(system.broker.url, credentials, `${DEVICE}-${system.tag}`, message.payload);
      if (refused) {
        outcomes.push(`${message.name}: ${refused}`);
        continue;
      }
      const after = await waitUntil(() => deadLetters(system), (row) => row.n > before.n, DEAD_LETTER_WITHIN_MS);
      const alive = system.rolesAlive();
      const exit = alive ? undefined : system.unexpectedExits.at(-1);
      log(`${message.name}: ${after.ok ? 'dead-lettered' : 'not dead-lettered'}${alive ? '' : ', a role exited'}`);
      outcomes.push(`${message.name}: ${after.ok ? `dead letter ${after.value.reason}` : 'no dead letter'}${exit ? `, ${exit.role} exited (${FaultSystem.causeOf(exit)})` : ''}`);
      if (!after.ok) failures.push(`${message.name} not dead-lettered within ${DEAD_LETTER_WITHIN_MS / 1000} s`);
      if (!alive) {
        failures.push(`${message.name} stopped ${exit?.role}`);
        // The broker redelivers the unacknowledged poison to the same session, so the restarted worker
        // would crash again on it: judge the next input on a fresh session in a fresh share group (a
        // dead session left in the old group would still get its round-robin share of new messages), as
        // an operator would have to. Readings queued for the dead session are counted as lost.
        await system.stopRole('sensor-ingest');
        freshSessions++;
        const fresh = `faults-ingest-${system.tag}-${freshSessions}`;
        await system.startRole('sensor-ingest', { SENSOR_INGEST_CLIENT_ID: fresh, SENSOR_INGEST_SHARE_GROUP: fresh }).catch(() => {});
        await system.restartExitedRoles();
      }
    }
    await sleep(3000);
    await publisher.stop();
    await system.restartExitedRoles();
    const outcome = await drain(system.db, publisher, validSensors, { quietMs: 30_000, timeoutMs: 120_000 });
    if (outcome.lost) failures.push(`${outcome.lost} valid readings not stored`);
    if (system.unexpectedExits.length) failures.push(system.exitSummary());
    return {
      survived: failures.length === 0,
      lost: outcome.lost,
      conditions: `device ${DEVICE} with its own MQTT password, MQTT 5, QoS 1, on its own topic; ${VALID_RATE} valid readings/s from 99 other sensors around them (${outcome.accepted} accepted, ${outcome.stored} stored); ${system.exitSummary()}${freshSessions ? `; sensor-ingest restarted on a fresh MQTT session ${freshSessions} time(s) to get past a redelivered poison` : ''}`,
      details: outcomes.join('; '),
      failures,
    };
  },
};
