import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseRoles } from './config.ts';

describe('configuration', () => {
  it('starts every role with embedded services when nothing is configured', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({ PORT: 8080, embeddedDatabase: true, embeddedBroker: true, simulate: true });
    expect(config.roles).toEqual(['api', 'camera-ingest', 'sensor-ingest', 'analytics']);
  });

  it('uses external services and no simulation when DATABASE_URL and MQTT_URL are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/cityops', MQTT_URL: 'mqtt://broker:1883' }, ['--role', 'sensor-ingest']);
    expect(config).toMatchObject({ embeddedDatabase: false, embeddedBroker: false, simulate: false, roles: ['sensor-ingest'] });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SIMULATE: 'maybe' }, 'SIMULATE'],
  ])('names the bad key and the expected form: %o', (env, key) => {
    try {
      loadConfig(env as Record<string, string>, []);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe(key);
      expect((error as Error).message).toMatch(new RegExp(`^Invalid configuration ${key}: expected .+`));
    }
  });

  it('reads an optional JSON file, with environment variables taking precedence', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cityops-config-'));
    const file = path.join(dir, 'cityops.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'warn' }));
    expect(loadConfig({ CITYOPS_CONFIG_FILE: file, LOG_LEVEL: 'debug' }, [])).toMatchObject({ PORT: 9000, LOG_LEVEL: 'debug' });
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ CITYOPS_CONFIG_FILE: file }, [])).toThrow(/CITYOPS_CONFIG_FILE: expected a readable JSON file/);
  });

  it('refuses an unknown role', () => {
    expect(() => parseRoles(['--role', 'coffee'])).toThrow(/--role: expected one of api, camera-ingest, sensor-ingest, analytics/);
    expect(parseRoles(['--role=api,analytics'])).toEqual(['api', 'analytics']);
  });
});
