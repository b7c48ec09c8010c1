import { defineConfig } from 'vitest/config';

// Two cores: one worker per core keeps TLC runs and worker-thread tests from starving each other.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'model-tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
