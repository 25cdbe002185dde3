// @ts-check
/**
 * StrykerJS settings for mutation testing (`npm run mutate`, issue 19): Stryker changes the code a
 * little at a time (a `<` for a `<=`, a condition forced true, a block emptied) and runs the tests
 * that cover each change; a change no test notices is a bug the suite would let through. The
 * modules and their tests are in test/mutation/modules.mjs; test/mutation/run.mjs runs them one at
 * a time with this config. Bounded for a shared 2-core machine: one test runner (two with
 * KILN_MUTATE_CONCURRENCY=2), each mutant runs only the tests that cover it (perTest), static
 * mutants (module-level code every test runs) are skipped, and everything Stryker writes stays in
 * test/.tmp/ (gitignored).
 */
import { ALL_TESTS, MODULES } from './mutation/modules.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: false, pool: 'threads' },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  // Every module by default; run.mjs narrows this (and testFiles) to one module per run.
  mutate: Object.values(MODULES).flatMap((m) => m.mutate()),
  testFiles: ALL_TESTS,
  concurrency: Number(process.env.KILN_MUTATE_CONCURRENCY ?? 1),
  ignoreStatic: true,
  timeoutMS: 5_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 10,
  // Stryker deletes this folder whole after each run: two runs at once need a folder each.
  tempDirName: process.env.KILN_MUTATE_TEMP ?? 'test/.tmp/stryker',
  // The sandbox needs sources, tests and fixtures, not build output or reports.
  ignorePatterns: ['dist', 'native/build', 'test-results', 'playwright-report', 'test/.tmp', '.kiln-cache'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'test/.tmp/mutation/all.html' },
  jsonReporter: { fileName: 'test/.tmp/mutation/all.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 80, break: null },
};

export default config;
