// The embedded broker listens again, on the same port, if its listening socket closes on its own.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:net';
// Imported for its metrics: both embedded parts count their restarts in /metrics.
import '../../core/database/embedded.ts';
import { componentHealth, embeddedRestarts } from '../../core/health.ts';
import { createLogger } from '../../core/logger.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';
import { waitFor } from '../support/wait.ts';

const password = `broker-supervision-${process.pid}`;
const broker = new EmbeddedBroker({
  port: 0,
  serviceUsername: 'cityops',
  servicePassword: password,
  devices: { authenticate: async () => undefined },
  logger: createLogger('silent'),
});

afterAll(() => broker.stop());

const connects = (clientId: string) =>
  mqtt
    .connectAsync(broker.url, { clientId, username: 'cityops', password, reconnectPeriod: 0, connectTimeout: 2000 })
    .then((client) => client.endAsync().then(() => true))
    .catch(() => false);

describe('embedded broker supervision', () => {
  it('listens again on the same port after its listening socket closed', async () => {
    await broker.start();
    const port = broker.actualPort;
    // A connection that stays open across the incident, as the roles' connections do.
    const resident = await mqtt.connectAsync(broker.url, { clientId: `supervision-resident-${process.pid}`, username: 'cityops', password, reconnectPeriod: 0 });

    // What an accept failure or a closed descriptor does: the listening socket goes away.
    (broker as unknown as { server: Server }).server.close();
    await waitFor('the broker to accept connections again', () => connects(`supervision-b-${process.pid}-${Date.now()}`), 30_000, 200);
    expect(broker.actualPort).toBe(port);
    expect(componentHealth.get('embedded-mqtt')?.state).toBe('ok');
    expect(resident.connected).toBe(true);
    await resident.endAsync();

    // One counter for both embedded parts, declared once (core/health.ts), and one family in /metrics.
    expect((await embeddedRestarts.get()).values).toEqual([expect.objectContaining({ labels: { component: 'embedded-mqtt' }, value: 1 })]);
    const exposition = await metricsRegistry.metrics();
    expect(exposition.match(/^# TYPE cityops_embedded_restarts_total counter$/gm)).toHaveLength(1);
    expect(exposition.match(/^# HELP cityops_embedded_restarts_total /gm)).toHaveLength(1);
    expect(exposition).toMatch(/^cityops_embedded_restarts_total\{component="embedded-mqtt"\} 1$/m);
  });
});
