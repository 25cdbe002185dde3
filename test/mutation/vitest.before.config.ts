import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    name: 'before',
    include: (process.env.KILN_BEFORE_TESTS ?? '').split(','),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    isolate: false,
  },
});
