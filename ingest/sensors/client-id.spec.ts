// sensor-ingest's MQTT client id: whoever connects with it takes over the worker's persistent session,
// so the default must be stable for this worker and not guessable by anyone else.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@cityops/core/config';
import { sensorIngestClientId } from './client-id.ts';

const dirs: string[] = [];
const configIn = (dataDir: string, env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env }, []);
const newDataDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cityops-client-id-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('sensor-ingest client id', () => {
  it('is random per installation, kept in DATA_DIR, and stable across restarts', () => {
    const first = newDataDir();
    const id = sensorIngestClientId(configIn(first));
    expect(id).toMatch(/^cityops-sensor-ingest-[A-Za-z0-9._-]+-[0-9a-f]{16}$/);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(sensorIngestClientId(configIn(first))).toBe(id);
    expect(sensorIngestClientId(configIn(newDataDir()))).not.toBe(id);
  });

  it('uses SENSOR_INGEST_CLIENT_ID when set', () => {
    expect(sensorIngestClientId(configIn(newDataDir(), { SENSOR_INGEST_CLIENT_ID: 'worker-7' }))).toBe('worker-7');
  });

  it("moves the former default id's spool to the new id, so nothing spooled is stranded", () => {
    const dataDir = newDataDir();
    const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40);
    const legacy = path.join(dataDir, 'spool', 'sensors', `cityops-sensor-ingest-${host}`);
    mkdirSync(legacy, { recursive: true });
    writeFileSync(path.join(legacy, '000001-1-000000.json'), '{}');
    const id = sensorIngestClientId(configIn(dataDir));
    expect(readdirSync(path.join(dataDir, 'spool', 'sensors', id))).toEqual(['000001-1-000000.json']);
  });
});
