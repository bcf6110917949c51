// Backup and restore: the database, the evidence clips and the residents' report media in one archive
// file (a gzipped tar).
//
// Two routes for the database, chosen by where it lives:
// - the embedded PostgreSQL: a physical copy of its cluster taken through PostgreSQL's low-level
//   base-backup API (pg_backup_start / copy / pg_backup_stop, "Making a Base Backup Using the Low Level
//   API" in the PostgreSQL manual), or a plain copy when it is not running. Needs no client tools: the
//   embedded server (17) is newer than the pg_dump most systems ship, which refuses a newer server.
//   Restored with the same embedded binaries, which replay the copied WAL on first start.
// - an external DATABASE_URL: pg_dump -Fc as the owner role, restored with pg_restore as the owner,
//   then the application role's grants are applied again. pg_dump must be at least the server's major
//   version: PG_BIN_DIR, then /usr/lib/postgresql/<N>/bin, then PATH are searched, and a clear error
//   names the package to install when none fits.
//
// The archive also carries the files a restored system needs to read its own data: DATA_DIR/secret.key
// (camera and device passwords are encrypted with it, unless SECRET_KEY is set) and, for the embedded
// route, the generated database role passwords. Treat the archive like the database itself: it is
// written readable by its owner only (0600).
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { reportMediaDirOf } from '../media-store.ts';
import { redactUrl, type Logger } from '../logger.ts';
import { EmbeddedDatabase } from './embedded.ts';
import { migrate } from './migrate.ts';
import { createDatabase, withTransaction } from './pool.ts';
import { quoteIdentifier } from './roles.ts';

const run = promisify(execFile);
const FORMAT = 'cityops-backup';

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  database: 'embedded-cluster' | 'pg_dump';
  serverVersion: string;
  clipsDir: string;
  files: string[];
}

/** Files of DATA_DIR a restored system needs (present ones only). */
const EMBEDDED_SECRETS = ['postgres.password', 'postgres-owner.password', 'postgres-app.password'];

export const clipsDirOf = (config: Config) => config.CAMERA_CLIPS_DIR ?? path.join(config.dataDir, 'clips');

/** Directories of files the database's rows name, each carried as a tar of its own. */
const FILE_DIRECTORIES = [
  { archive: 'clips.tar', what: 'the evidence clips', dirOf: clipsDirOf },
  { archive: 'report-media.tar', what: 'the residents\' photos and clips', dirOf: reportMediaDirOf },
];

export class BackupError extends AppError {
  constructor(message: string) {
    super('backup_failed', message);
    this.name = 'BackupError';
  }
}

// ---------------------------------------------------------------------------------------------- backup

export async function backup(config: Config, outFile: string, logger: Logger): Promise<Manifest> {
  const staging = mkdtempSync(path.join(tmpdir(), 'cityops-backup-'));
  chmodSync(staging, 0o700);
  try {
    const files: string[] = [];
    let kind: Manifest['database'];
    let serverVersion: string;
    if (config.embeddedDatabase) {
      kind = 'embedded-cluster';
      serverVersion = await backupEmbeddedCluster(config, staging, logger);
      for (const name of EMBEDDED_SECRETS) files.push(...copyIfPresent(config.dataDir, staging, name));
    } else {
      kind = 'pg_dump';
      serverVersion = await dumpExternal(config, path.join(staging, 'database.dump'), logger);
    }
    if (!config.SECRET_KEY) files.push(...copyIfPresent(config.dataDir, staging, 'secret.key'));
    for (const { archive, dirOf } of FILE_DIRECTORIES) {
      const dir = dirOf(config);
      if (existsSync(dir)) await tar(['-cf', path.join(staging, archive), '-C', dir, '.']);
    }
    const clipsDir = clipsDirOf(config);
    const manifest: Manifest = { format: FORMAT, version: 1, createdAt: new Date().toISOString(), database: kind, serverVersion, clipsDir, files };
    writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
    const partial = `${outFile}.partial`;
    writeFileSync(partial, '', { mode: 0o600 });
    await tar(['-czf', partial, '-C', staging, '.']);
    chmodSync(partial, 0o600);
    renameSync(partial, outFile);
    logger.info({ outFile, database: kind, serverVersion }, 'backup written');
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function copyIfPresent(fromDir: string, toDir: string, name: string): string[] {
  const source = path.join(fromDir, name);
  if (!existsSync(source)) return [];
  copyFileSync(source, path.join(toDir, name));
  return [name];
}

const clusterDir = (config: Config) => path.join(config.dataDir, 'postgres');

function runningServerPid(databaseDir: string): number | undefined {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

// Not copied (PostgreSQL manual, "Backing Up the Data Directory"): recreated at start, or of this run only.
const CLUSTER_EXCLUDES = ['./postmaster.pid', './postmaster.opts', './pg_wal/*', './pg_replslot/*', './pg_stat_tmp/*', './pg_dynshmem/*', './pg_notify/*', './pg_serial/*', './pg_snapshots/*', './pg_subtrans/*', './backup_label'];

async function backupEmbeddedCluster(config: Config, staging: string, logger: Logger): Promise<string> {
  const databaseDir = clusterDir(config);
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) throw new BackupError(`no embedded database in ${databaseDir} (DATA_DIR=${config.dataDir})`);
  const serverVersion = readFileSync(path.join(databaseDir, 'PG_VERSION'), 'utf8').trim();
  const clusterTar = path.join(staging, 'cluster.tar');
  const excludes = CLUSTER_EXCLUDES.map((pattern) => `--exclude=${pattern}`);
  if (!runningServerPid(databaseDir)) {
    // Stopped: the directory is the database; a plain copy is consistent.
    await tar(['-cf', clusterTar, ...excludes, '-C', databaseDir, '.']);
    await tar(['-rf', clusterTar, '-C', databaseDir, './pg_wal']);
    return serverVersion;
  }
  // Running (CityOps is up): an online base backup. The session that starts it must stop it.
  // The port is the running server's (line 4 of postmaster.pid), whatever this shell's configuration says.
  const port = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || config.EMBEDDED_DATABASE_PORT;
  const password = readFileSync(path.join(config.dataDir, 'postgres.password'), 'utf8').trim();
  const client = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/cityops` });
  await client.connect();
  try {
    await client.query(`SELECT pg_backup_start('cityops backup', true)`);
    try {
      // tar exits 1 when a file changed while it was read: expected here, WAL replay makes it consistent.
      await tar(['-cf', clusterTar, ...excludes, '-C', databaseDir, '.'], { changingFilesOk: true });
    } finally {
      const { rows } = await client.query<{ labelfile: string; spcmapfile: string }>(`SELECT labelfile, spcmapfile FROM pg_backup_stop(false)`);
      writeFileSync(path.join(staging, 'backup_label'), rows[0].labelfile);
    }
    // The WAL written during the copy, after pg_backup_stop switched to a new segment.
    await tar(['-rf', clusterTar, '-C', databaseDir, './pg_wal'], { changingFilesOk: true });
    logger.info('online base backup of the embedded PostgreSQL taken');
  } finally {
    await client.end();
  }
  return serverVersion;
}

async function dumpExternal(config: Config, dumpFile: string, logger: Logger): Promise<string> {
  const url = config.DATABASE_OWNER_URL ?? config.DATABASE_URL!;
  const serverVersion = await serverVersionOf(url);
  const pgDump = await findPgTool('pg_dump', serverVersion, config.PG_BIN_DIR);
  logger.info({ pgDump, database: redactUrl(url) }, 'dumping the database');
  await runTool(pgDump, ['--format=custom', '--no-owner', '--no-acl', `--file=${dumpFile}`], url);
  return serverVersion;
}

// ---------------------------------------------------------------------------------------------- restore

export async function restore(config: Config, archive: string, { force = false }: { force?: boolean }, logger: Logger): Promise<Manifest> {
  if (!existsSync(archive)) throw new BackupError(`no backup file ${archive}`);
  const staging = mkdtempSync(path.join(tmpdir(), 'cityops-restore-'));
  chmodSync(staging, 0o700);
  try {
    await tar(['-xzf', archive, '-C', staging]);
    const manifestFile = path.join(staging, 'manifest.json');
    const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
    if (manifest?.format !== FORMAT) throw new BackupError(`${archive} is not a CityOps backup (no manifest.json of format ${FORMAT})`);
    const clipsDir = clipsDirOf(config);
    if (manifest.database === 'embedded-cluster') {
      if (!config.embeddedDatabase) throw new BackupError('this backup is of the embedded PostgreSQL: restore it with DATABASE_URL unset (into DATA_DIR)');
      await restoreEmbeddedCluster(config, staging, manifest, force, logger);
    } else {
      if (config.embeddedDatabase) throw new BackupError('this backup is a pg_dump of an external PostgreSQL: set DATABASE_URL (and DATABASE_OWNER_URL) to restore it');
      await restoreExternal(config, path.join(staging, 'database.dump'), force, logger);
    }
    if (manifest.files.includes('secret.key') && !config.SECRET_KEY) {
      mkdirSync(config.dataDir, { recursive: true });
      copyFileSync(path.join(staging, 'secret.key'), path.join(config.dataDir, 'secret.key'));
      chmodSync(path.join(config.dataDir, 'secret.key'), 0o600);
    }
    for (const { archive: tarName, what, dirOf } of FILE_DIRECTORIES) {
      if (!existsSync(path.join(staging, tarName))) continue;
      const dir = dirOf(config);
      if (existsSync(dir) && readdirSync(dir).length && !force) throw new BackupError(`${dir} is not empty: pass --force to restore ${what} over it`);
      mkdirSync(dir, { recursive: true });
      await tar(['-xf', path.join(staging, tarName), '-C', dir]);
    }
    // Also the first start of a restored embedded cluster (WAL replay): a broken restore fails here, not later.
    await relocateClips(config, manifest.clipsDir, clipsDir, logger);
    logger.info({ archive, database: manifest.database, createdAt: manifest.createdAt }, 'backup restored');
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function restoreEmbeddedCluster(config: Config, staging: string, manifest: Manifest, force: boolean, logger: Logger): Promise<void> {
  const databaseDir = clusterDir(config);
  if (runningServerPid(databaseDir)) throw new BackupError(`the embedded PostgreSQL in ${databaseDir} is running: stop CityOps before restoring`);
  if (existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    if (!force) throw new BackupError(`${databaseDir} already holds a database: pass --force to replace it (it is kept beside, renamed)`);
    const aside = `${databaseDir}.before-restore-${Date.now()}`;
    renameSync(databaseDir, aside);
    logger.warn({ kept: aside }, 'existing embedded database moved aside');
  }
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  await tar(['-xf', path.join(staging, 'cluster.tar'), '-C', databaseDir]);
  if (existsSync(path.join(staging, 'backup_label'))) copyFileSync(path.join(staging, 'backup_label'), path.join(databaseDir, 'backup_label'));
  for (const name of ['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']) {
    mkdirSync(path.join(databaseDir, name), { recursive: true, mode: 0o700 });
  }
  for (const name of manifest.files.filter((file) => EMBEDDED_SECRETS.includes(file))) {
    copyFileSync(path.join(staging, name), path.join(config.dataDir, name));
    chmodSync(path.join(config.dataDir, name), 0o600);
  }
  if (process.getuid?.() === 0) {
    // As root, the embedded PostgreSQL runs as the postgres user (embedded.ts): it must own its files.
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await run('chown', ['-R', `${uid}:${gid}`, databaseDir]);
    chownSync(databaseDir, uid, gid);
  }
  chmodSync(databaseDir, 0o700);
}

async function restoreExternal(config: Config, dumpFile: string, force: boolean, logger: Logger): Promise<void> {
  const ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_URL!;
  const owner = createDatabase(ownerUrl, 1);
  try {
    const { rows } = await owner.query<{ tables: number }>(
      `SELECT count(*)::int AS tables FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
    );
    if (rows[0].tables > 0 && !force) throw new BackupError(`the database at ${redactUrl(ownerUrl)} is not empty (${rows[0].tables} tables): pass --force to restore over it`);
    const serverVersion = await serverVersionOf(ownerUrl);
    const pgRestore = await findPgTool('pg_restore', serverVersion, config.PG_BIN_DIR);
    logger.info({ pgRestore, database: redactUrl(ownerUrl) }, 'restoring the database');
    // Not pg_restore --clean: it cannot drop the constraints of partitions it recreates.
    if (force) await dropOwnedObjects(owner);
    await runTool(pgRestore, ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', dumpFile], ownerUrl);
    // The grants are not in the dump (--no-acl): give the application role its rights again, and
    // apply any migration newer than the backup.
    const app = config.DATABASE_OWNER_URL ? decodeURIComponent(new URL(config.DATABASE_URL!).username) : undefined;
    await migrate(owner, { logger, grantTo: app || undefined });
  } finally {
    await owner.end();
  }
}

/** --force on an external database: the owner drops what it owns in schema public, in one transaction. */
async function dropOwnedObjects(owner: pg.Pool): Promise<void> {
  await withTransaction(owner, async (tx) => {
    const relations = await tx.query<{ name: string; kind: string }>(
      `SELECT relname AS name, relkind AS kind FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
         AND relkind IN ('v', 'm', 'r', 'p', 'f', 'S') AND NOT relispartition
       ORDER BY relkind IN ('v', 'm') DESC, relkind = 'S'`, // sequences last: those of identity columns go with their table
    );
    const keyword: Record<string, string> = { v: 'VIEW', m: 'MATERIALIZED VIEW', r: 'TABLE', p: 'TABLE', f: 'FOREIGN TABLE', S: 'SEQUENCE' };
    for (const { name, kind } of relations.rows) await tx.query(`DROP ${keyword[kind]} IF EXISTS ${quoteIdentifier(name)} CASCADE`);
    const functions = await tx.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
       WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
    );
    for (const { signature } of functions.rows) await tx.query(`DROP FUNCTION IF EXISTS ${signature} CASCADE`);
  });
}

/** Clips are stored with absolute paths: a restore into another directory moves them with it. */
async function relocateClips(config: Config, fromDir: string, toDir: string, logger: Logger): Promise<void> {
  if (path.resolve(fromDir) === path.resolve(toDir) && !config.embeddedDatabase) return;
  await withOwnerDatabase(config, logger, async (db) => {
    await db.query(
      `UPDATE alert_clips SET file_path = $2 || substr(file_path, length($1) + 1) WHERE file_path LIKE $1 || '/%'`,
      [path.resolve(fromDir), path.resolve(toDir)],
    );
  });
}

/** Runs `work` as the owner role; for the embedded database, starts it (and stops it after). */
async function withOwnerDatabase<T>(config: Config, logger: Logger, work: (db: pg.Pool) => Promise<T>): Promise<T> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.DATABASE_OWNER_URL ?? config.DATABASE_URL;
  if (config.embeddedDatabase) {
    embedded = new EmbeddedDatabase(config.dataDir, config.EMBEDDED_DATABASE_PORT, logger);
    await embedded.start();
    url = embedded.ownerUrl;
  }
  const db = createDatabase(url!, 1);
  try {
    return await work(db);
  } finally {
    await db.end();
    await embedded?.stop();
  }
}

// ---------------------------------------------------------------------------------------------- tools

export async function serverVersionOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

const majorOf = (version: string) => Number(/(\d+)/.exec(version)?.[1] ?? 0);

/** The pg_dump / pg_restore to use: the first found whose major version is at least the server's. */
export async function findPgTool(tool: 'pg_dump' | 'pg_restore', serverVersion: string, binDir?: string): Promise<string> {
  const needed = majorOf(serverVersion);
  const candidates: string[] = [];
  if (binDir) candidates.push(path.join(binDir, tool));
  const debianDir = '/usr/lib/postgresql';
  if (existsSync(debianDir)) {
    for (const version of readdirSync(debianDir).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debianDir, version, 'bin', tool));
  }
  candidates.push(tool);
  const found: string[] = [];
  for (const candidate of candidates) {
    const version = await run(candidate, ['--version']).then(
      ({ stdout }) => stdout.trim(),
      () => undefined,
    );
    if (!version) continue;
    found.push(`${candidate} (${version})`);
    if (majorOf(version.replace(/^\D+/, '')) >= needed) return candidate;
  }
  throw new BackupError(
    `${tool} ${needed} or newer is needed for this PostgreSQL ${serverVersion}; found ${found.length ? found.join(', ') : 'none'}. ` +
      `Install postgresql-client-${needed} (Debian/Ubuntu: from PostgreSQL's apt repository, apt.postgresql.org) or set PG_BIN_DIR to a directory holding ${tool} ${needed}.`,
  );
}

/** Runs a client tool with the password in PGPASSWORD, never on the command line (ps shows it). */
async function runTool(tool: string, args: string[], url: string): Promise<void> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const finalArgs = [...args, `--dbname=${parsed.toString()}`];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tool, finalArgs, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGPASSWORD: password } });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors = (errors + chunk).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new BackupError(`${path.basename(tool)} failed (code ${code}): ${errors.trim()}`))));
  });
}

async function tar(args: string[], { changingFilesOk = false } = {}): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors = (errors + chunk).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || (changingFilesOk && code === 1) ? resolve() : reject(new BackupError(`tar ${args[0]} failed (code ${code}): ${errors.trim()}`))));
  });
}
