import { defineConfig } from 'vitest/config';

// Integration tests talk to real PostgreSQL, MQTT, ffmpeg and Chromium; give them room and keep the
// number of files running at once to the two cores this machine has.
export default defineConfig({
  test: {
    include: ['**/*.spec.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '**/dist/**'],
    // The run's PostgreSQL and template database, once; each file's own broker (tests/support/*).
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/file-services.ts'],
    // Generous: the browser and process tests wait for real things on a loaded 2-core machine; a test
    // that hangs still fails, only later.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
