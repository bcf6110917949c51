// A first run that shows the product (#17 part 2): the demo's street videos and district boundaries are
// fetched from their upstream addresses (here a local HTTP server plays upstream, serving the mirror's
// files) with their sha256 checked, found again without a second download, refused when the bytes
// differ, and, without internet, reported in one line while the start goes on. The demo seed then draws
// the districts from the downloaded file.
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSETS, ensureDemoAssets, findAsset, type DemoAsset } from '../../core/demo-assets.ts';
import { sha256OfFile } from '../../core/download.ts';
import { createLogger } from '../../core/logger.ts';
import { seedDemoDevices } from '../../devices/demo-seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi } from '../support/api.ts';
import { freePort } from '../support/free-port.ts';
import { assetMirrorDir } from '../support/urls.ts';

let work: string;
let server: Server;
let upstream: string;
const requests: string[] = [];
/** Paths the "upstream" answers with other bytes than the pinned ones. */
const tampered = new Set<string>();

/** The pinned assets, as served by the local upstream. */
const servedAssets = (): DemoAsset[] => DEMO_ASSETS.map((asset) => ({ ...asset, url: `${upstream}/${asset.path}` }));

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', 'demo-assets-test', sink), lines };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cityops-demo-assets-'));
  server = createServer((request, response) => {
    const relative = decodeURIComponent(request.url!.slice(1));
    requests.push(relative);
    if (tampered.has(relative)) return void response.end('not the pinned file');
    readFile(path.join(assetMirrorDir(), relative)).then(
      (bytes) => response.end(bytes),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

describe('demo assets on a first start', () => {
  it('are pinned to the mirror files byte for byte', async () => {
    for (const asset of DEMO_ASSETS) expect(await sha256OfFile(path.join(assetMirrorDir(), asset.path)), asset.path).toBe(asset.sha256);
  });

  it('are downloaded into DATA_DIR/assets with their sha256 checked, and not downloaded again', async () => {
    const dataDir = path.join(work, 'fresh');
    const { logger } = capturedLogger();
    requests.length = 0;
    const first = await ensureDemoAssets({ dataDir }, logger, servedAssets());
    expect(first.downloaded.sort()).toEqual(DEMO_ASSETS.map((asset) => asset.path).sort());
    expect(first.missing).toEqual([]);
    for (const asset of DEMO_ASSETS) {
      const file = findAsset({ dataDir }, asset.path);
      expect(file).toBe(path.join(dataDir, 'assets', asset.path));
      expect(await sha256OfFile(file!)).toBe(asset.sha256);
    }
    const second = await ensureDemoAssets({ dataDir }, logger, servedAssets());
    expect(second.present).toHaveLength(DEMO_ASSETS.length);
    expect(requests).toHaveLength(DEMO_ASSETS.length);
  });

  it('refuses a file whose bytes differ, stores nothing of it, and keeps the others', async () => {
    const dataDir = path.join(work, 'tampered');
    const { logger, lines } = capturedLogger();
    tampered.add('video/people.mp4');
    try {
      const outcome = await ensureDemoAssets({ dataDir }, logger, servedAssets());
      expect(outcome.missing).toEqual([{ path: 'video/people.mp4', reason: expect.stringMatching(/^refused: expected sha256 b28f4a.*, got /) }]);
      expect(outcome.downloaded.sort()).toEqual(['geo/hcmc-districts.geojson', 'video/traffic.mp4']);
      expect(await readdir(path.join(dataDir, 'assets', 'video'))).toEqual(['traffic.mp4']);
      const warnings = lines.filter((line) => line.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toContain('video/people.mp4');
    } finally {
      tampered.delete('video/people.mp4');
    }
  });

  it('without internet says in one line what to copy where, and does not stop the start', async () => {
    const dataDir = path.join(work, 'offline');
    const { logger, lines } = capturedLogger();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const outcome = await ensureDemoAssets({ dataDir }, logger, DEMO_ASSETS.map((asset) => ({ ...asset, url: `${closed}/${asset.path}` })));
    expect(outcome.downloaded).toEqual([]);
    expect(outcome.missing.map((file) => file.reason)).toEqual(DEMO_ASSETS.map(() => expect.stringMatching(/^unreachable: /)));
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toBe(
      `demo assets missing (video/traffic.mp4, video/people.mp4, geo/hcmc-districts.geojson): copy them from an asset mirror into ${path.join(dataDir, 'assets')}/ or set ASSET_MIRROR_DIR; the demo starts without them`,
    );
    expect(existsSync(path.join(dataDir, 'assets', 'video', 'traffic.mp4.part'))).toBe(false);
  });

  it('with an asset mirror asks upstream for nothing', async () => {
    requests.length = 0;
    const outcome = await ensureDemoAssets({ ASSET_MIRROR_DIR: assetMirrorDir(), dataDir: path.join(work, 'mirrored') }, capturedLogger().logger, servedAssets());
    expect(outcome.present).toHaveLength(DEMO_ASSETS.length);
    expect(requests).toEqual([]);
  });

  it('the demo seed draws the districts from the downloaded boundaries', async () => {
    const test: TestDatabase = await createTestDatabase();
    const api = await startTestApi(test);
    try {
      const config = { ...api.config, ASSET_MIRROR_DIR: undefined, dataDir: path.join(work, 'fresh') };
      await seedDemoDevices({ db: test.db, secretBox: api.secretBox, config, logger: createLogger('silent') });
      const outlined = await test.db.query(`SELECT count(*)::int AS n FROM districts WHERE geometry IS NOT NULL`);
      expect(outlined.rows[0].n).toBe(24);
    } finally {
      await api.stop();
      await test.drop();
    }
  });
});
