/**
 * test/run-all.js must not say "passed" for a suite that did not run. Its verdicts on the reports
 * vitest and Playwright write, in the shapes captured from real runs: a web server that did not
 * start, a test file that did not load, a run where every test was skipped, a stray `.only`, and a
 * skip that gives no reason.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Verdict {
  passed: number;
  failed: number;
  skipped: { name: string; why: string | null }[];
  problems: string[];
}
interface Exit {
  ok: boolean;
  status: number | null;
}
interface RunAll {
  vitestResult: (project: string, report: unknown, r: Exit) => Verdict;
  playwrightResult: (report: unknown, r: Exit) => Verdict;
}
const { vitestResult, playwrightResult } = createRequire(__filename)('../../run-all.js') as RunAll;

const ROOT = path.resolve(__dirname, '../../..');
const OK: Exit = { ok: true, status: 0 };
const FAILED: Exit = { ok: false, status: 1 };

/** A vitest JSON report of one file (as `--reporter=json` writes it), tests given by status and meta. */
function vitestReport(tests: { title: string; status: string; meta?: Record<string, string> }[], file = {}) {
  const count = (s: string) => tests.filter((t) => t.status === s).length;
  return {
    numTotalTestSuites: 1,
    numFailedTestSuites: 0,
    numTotalTests: tests.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: 0,
    success: count('failed') === 0,
    testResults: [
      {
        name: path.join(ROOT, 'test/unit/x.test.ts'),
        status: count('failed') ? 'failed' : 'passed',
        message: '',
        assertionResults: tests.map((t) => ({
          ancestorTitles: [],
          fullName: t.title,
          title: t.title,
          status: t.status,
          failureMessages: [],
          meta: t.meta ?? {},
        })),
        ...file,
      },
    ],
  };
}

/** A Playwright JSON report (`--reporter=json`): one spec per test, with its outcome and annotations. */
function playwrightReport(
  tests: { title: string; status: string; annotations?: { type: string; description?: string }[] }[],
  errors: { message: string }[] = [],
) {
  return {
    suites: [
      {
        title: 'app.spec.ts',
        file: 'app.spec.ts',
        specs: tests.map((t) => ({
          title: t.title,
          file: 'app.spec.ts',
          tests: [{ status: t.status, annotations: t.annotations ?? [], results: [] }],
        })),
      },
    ],
    errors,
    stats: { expected: 0, skipped: 0, unexpected: 0, flaky: 0 },
  };
}

describe('run-all on vitest reports', () => {
  it('counts passed tests and lists skipped ones with their reasons', () => {
    const v = vitestResult(
      'unit',
      vitestReport([
        { title: 'a', status: 'passed' },
        { title: 'b', status: 'skipped', meta: { skipped: 'espeak-ng is not on this machine' } },
      ]),
      OK,
    );
    expect(v).toEqual({
      passed: 1,
      failed: 0,
      skipped: [{ name: 'test/unit/x.test.ts > b', why: 'espeak-ng is not on this machine' }],
      problems: [],
    });
  });

  it('a suite in which no test ran fails, even when vitest exits 0', () => {
    const v = vitestResult('unit', vitestReport([{ title: 'b', status: 'skipped', meta: { skipped: 'why' } }]), OK);
    expect(v.failed).toBe(1);
    expect(v.problems).toEqual(['unit: no test ran (1 skipped)']);
    const empty = vitestResult('unit', { ...vitestReport([]), testResults: [] }, FAILED);
    expect(empty.failed).toBe(1);
    expect(empty.problems[0]).toBe('unit: no test file was found');
  });

  it('a test file that does not load fails the suite, though no test failed', () => {
    const report = vitestReport([], {
      status: 'failed',
      message: "Cannot find module './does-not-exist' imported from test/unit/x.test.ts",
    });
    const v = vitestResult('unit', { ...report, numFailedTestSuites: 1, success: false }, FAILED);
    expect(v.failed).toBeGreaterThan(0);
    expect(v.problems[0]).toMatch(/^test\/unit\/x\.test\.ts: failed outside its tests: Cannot find module/);
  });

  it('no report, or an exit status that disagrees with an all-green report, fails', () => {
    expect(vitestResult('unit', null, FAILED)).toMatchObject({ failed: 1, passed: 0 });
    expect(vitestResult('unit', null, OK).problems[0]).toMatch(/vitest wrote no report/);
    const v = vitestResult('unit', vitestReport([{ title: 'a', status: 'passed' }]), FAILED);
    expect(v).toMatchObject({ passed: 1, failed: 1 });
    expect(v.problems).toEqual(['unit: vitest exited with status 1 though no test failed']);
  });

  it('a skip without a reason (what a stray .only leaves behind) fails', () => {
    const v = vitestResult(
      'unit',
      vitestReport([
        { title: 'one', status: 'passed' },
        { title: 'two', status: 'skipped' },
      ]),
      OK,
    );
    expect(v.failed).toBe(1);
    expect(v.skipped).toEqual([{ name: 'test/unit/x.test.ts > two', why: null }]);
    expect(v.problems[0]).toMatch(/two: skipped without a reason/);
  });
});

describe('run-all on Playwright reports', () => {
  it('a web server that did not start fails the suite (Playwright still writes a report: 0 passed, 0 failed)', () => {
    const report = {
      suites: [],
      errors: [{ message: 'Error: Process from config.webServer was not able to start. Exit code: 1' }],
      stats: { expected: 0, skipped: 0, unexpected: 0, flaky: 0 },
    };
    const v = playwrightResult(report, FAILED);
    expect(v.failed).toBe(1);
    expect(v.passed).toBe(0);
    expect(v.problems).toContain('e2e: Error: Process from config.webServer was not able to start. Exit code: 1');
  });

  it('no tests found, or all skipped, fails; so does an exit status that disagrees', () => {
    expect(playwrightResult({ suites: [], errors: [{ message: 'Error: No tests found' }] }, FAILED).failed).toBe(1);
    const skipped = playwrightResult(
      playwrightReport([{ title: 't', status: 'skipped', annotations: [{ type: 'skip', description: 'why' }] }]),
      OK,
    );
    expect(skipped.problems).toEqual(['e2e: no test ran (1 skipped)']);
    const disagree = playwrightResult(playwrightReport([{ title: 't', status: 'expected' }]), FAILED);
    expect(disagree).toMatchObject({ passed: 1, failed: 1 });
  });

  it('counts outcomes and names skips by their annotation; a skip without one fails', () => {
    const v = playwrightResult(
      playwrightReport([
        { title: 'a', status: 'expected' },
        { title: 'b', status: 'flaky' },
        { title: 'c', status: 'unexpected' },
        { title: 'd', status: 'skipped', annotations: [{ type: 'skip', description: 'Chromium is not installed' }] },
        { title: 'e', status: 'skipped' },
      ]),
      FAILED,
    );
    expect(v.passed).toBe(2);
    expect(v.failed).toBe(2); // c, and e's missing reason
    expect(v.skipped).toEqual([
      { name: 'e2e > app.spec.ts > d', why: 'Chromium is not installed' },
      { name: 'e2e > app.spec.ts > e', why: null },
    ]);
  });
});
