import { defineConfig } from 'vitest/config';

/** One configuration for every workspace: integration tests talk to the real stack, so they get generous timeouts. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
