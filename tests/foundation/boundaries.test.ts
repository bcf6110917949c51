// The boundary check (ops/lint/boundaries.js, run by `npm run lint`) fails on imports against the
// allowed direction, and passes the ones the house allows. Linted as text under a path in each folder:
// nothing is written into the repository.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

async function boundaryMessages(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return result.messages.filter((message) => message.ruleId === 'house/boundaries').map((message) => message.message);
}

describe('folder boundaries', () => {
  it('refuses core importing a feature folder', async () => {
    const messages = await boundaryMessages('core/wrong.ts', "import { CameraIngestWorker } from '@cityops/ingest/camera/worker';\nvoid CameraIngestWorker;\n");
    expect(messages).toEqual([expect.stringContaining('core/ may not import ingest/')]);
  });

  it('refuses ingest importing analytics, by package name or by relative path', async () => {
    expect(await boundaryMessages('ingest/wrong.ts', "export { SlotLeader } from '@cityops/analytics/slots/leader';\n")).toEqual([
      expect.stringContaining('ingest/ may not import analytics/'),
    ]);
    expect(await boundaryMessages('ingest/camera/wrong.ts', "import '../../analytics/role.ts';\n")).toEqual([expect.stringContaining('ingest/ may not import analytics/')]);
  });

  it('refuses a worker importing the web server', async () => {
    const messages = await boundaryMessages('devices/wrong.ts', "export type { ApiRole } from '@cityops/dashboard/server/role';\n");
    expect(messages).toEqual([expect.stringContaining('devices/ may not import dashboard/')]);
  });

  it('refuses production code importing tests/', async () => {
    const messages = await boundaryMessages('analytics/wrong.ts', "import '../tests/support/database.ts';\n");
    expect(messages).toEqual([expect.stringContaining('never imports tests/')]);
  });

  it('refuses the web importing server code', async () => {
    const messages = await boundaryMessages('dashboard/web/src/wrong.ts', "import { Database } from '@cityops/core/database/pool';\nvoid Database;\n");
    expect(messages).toEqual([expect.stringContaining('the web imports only @cityops/contract')]);
  });

  it('refuses a package the folder does not declare', async () => {
    const messages = await boundaryMessages('models/wrong.ts', "import { Client } from 'pg';\nvoid Client;\n");
    expect(messages).toEqual([expect.stringContaining('pg is imported but not declared in models/package.json')]);
  });

  it('allows imports down the layers, tools and tests', async () => {
    expect(await boundaryMessages('analytics/right.ts', "import { logger } from '@cityops/core/logger';\nvoid logger;\n")).toEqual([]);
    expect(await boundaryMessages('apps/right.ts', "import '@cityops/analytics/role';\nimport '@cityops/ingest/camera/worker';\n")).toEqual([]);
    expect(await boundaryMessages('ingest/bench/right.bench.ts', "import '@cityops/analytics/role';\n")).toEqual([]);
    expect(await boundaryMessages('tests/right.test.ts', "import '../apps/main.ts';\n")).toEqual([]);
  });
});
