import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // names the run and, after it, kills any test server (ClickHouse, ZooKeeper) a failed setup left running
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Every result must be independent of the process's time zone: run the
    // whole suite far from UTC (UTC+05:30, no DST).
    env: { TZ: 'Asia/Kolkata', NO_COLOR: '1' },
    reporters: ['default'],
  },
});
