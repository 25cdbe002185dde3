import { defineConfig } from 'vitest/config';

/** Under CI a stray `.only` is an error, not a run of one test that reports success. */
const allowOnly = !process.env.CI;

// Two suites: unit (fast, no processes) and integration (real host processes, sockets, onnxruntime).
export default defineConfig({
  test: {
    allowOnly,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          testTimeout: 20_000,
          allowOnly,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          allowOnly,
        },
      },
    ],
  },
});
