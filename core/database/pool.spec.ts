import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createDatabase, waitForDatabase } from './pool.ts';

describe('waiting for the database at start', () => {
  it('retries with growing delays, then fails with a message naming the address and the reason, without the password', async () => {
    const url = 'postgres://cityops:hunter2-secret@127.0.0.1:1/cityops';
    const db = createDatabase(url, 1);
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk) => lines.push(...chunk.toString().trim().split('\n')));
    await expect(waitForDatabase(db, url, createLogger('warn', 'test', stream), { attempts: 4, maxDelayMs: 2000 })).rejects.toThrow(
      /^database unreachable at postgres:\/\/cityops:\*\*\*@127\.0\.0\.1:1\/cityops after 4 attempts: .*ECONNREFUSED/,
    );
    const retries = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'database not reachable yet, retrying');
    expect(retries.map((entry) => entry.delayMs)).toEqual([500, 1000, 2000]);
    expect(lines.join('\n')).not.toContain('hunter2-secret');
    await db.end();
  });
});
