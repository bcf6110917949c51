// The real api role as its own OS process (`apps/main.ts --role api`), several of them on one database
// as a city runs them behind a load balancer. Each has its own port and data directory, and its own MQTT
// client id (the role names its client after its pid); all share the test's database and broker and one
// secret key. A process is ready once its /readyz answers 200.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../../ops/faults/processes.ts';
import { connectApiClient, type ApiClient } from './api.ts';
import type { TestDatabase } from './database.ts';
import { freePort } from './free-port.ts';
import { testMqttUrl } from './urls.ts';
import { waitFor } from './wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Starting tsx and the role on a loaded 2-core machine takes seconds; a start that fails exits sooner. */
const START_TIMEOUT_MS = 100_000;
const STOP_GRACE_MS = 10_000;

export interface ApiProcess extends ApiClient {
  process: ManagedProcess;
}

export class ApiProcessGroup {
  private readonly secretKey = randomBytes(32).toString('hex');
  private readonly started: Array<{ child: ManagedProcess; dataDir: string }> = [];
  /** Logins one at a time: the first creates the users, and two creating one user at once would collide. */
  private logins: Promise<unknown> = Promise.resolve();
  // Should the test runner's worker exit without afterAll (a crash), take the children with it.
  private readonly killOnExit = () => {
    for (const { child } of this.started) if (child.running) child.child.kill('SIGKILL');
  };

  constructor(
    private readonly test: TestDatabase,
    private readonly env: Record<string, string> = {},
  ) {
    process.once('exit', this.killOnExit);
  }

  /** Spawns one api process, waits until it is ready, and logs in a user of every role there. */
  async start(label: string): Promise<ApiProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `cityops-${label}-`));
    const child = new ManagedProcess(label, process.execPath, ['--import', 'tsx', 'apps/main.ts', '--role', 'api'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: this.test.url,
        DATABASE_OWNER_URL: this.test.ownerUrl,
        MQTT_URL: testMqttUrl(),
        SECRET_KEY: this.secretKey,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(port),
        SIMULATE: 'false',
        // The open data daily files are written only where a test asks for them (tests/opendata/daily-files.test.ts).
        OPEN_DATA_DAILY_FILES: 'false',
        LOG_LEVEL: 'info',
        ...this.env,
      },
      logFile: path.join(dataDir, 'api.log'),
    });
    // Registered before any wait, so that stopAll() finds it whatever fails next.
    this.started.push({ child, dataDir });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      `${label} to answer /readyz`,
      async () => {
        if (!child.running) throw new Error(`${label} exited while starting:\n${child.lastOutput()}`);
        const response = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
        return response?.status === 200;
      },
      START_TIMEOUT_MS,
      200,
    );
    const client = this.logins.then(() => connectApiClient(this.test.db, baseUrl));
    this.logins = client.catch(() => undefined);
    return { ...(await client), process: child };
  }

  /** SIGTERM to every process started, SIGKILL after a grace; their data directories are removed. */
  async stopAll(): Promise<void> {
    await Promise.all(this.started.map(({ child }) => child.stop('SIGTERM', STOP_GRACE_MS)));
    for (const { dataDir } of this.started) rmSync(dataDir, { recursive: true, force: true });
    process.off('exit', this.killOnExit);
  }
}
