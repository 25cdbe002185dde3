#!/usr/bin/env node
/**
 * `npm test`: every suite in order — lint, typecheck, build, unit, integration, e2e — and a final
 * line `N passed, N failed` counting the tests of all suites (lint, typecheck and build count as one
 * check each). Exits non-zero when anything failed. `npm test -- unit e2e` runs only those suites.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tmp = path.join(root, 'test', '.tmp');
fs.mkdirSync(tmp, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args, env = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { ok: r.status === 0, seconds: (Date.now() - started) / 1000, status: r.status };
}

/** Vitest and Playwright write JSON reports; count tests from them so the total is real. */
function vitestCounts(file) {
  try {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    return {
      passed: report.numPassedTests,
      failed:
        report.numFailedTests +
        (report.numTotalTestSuites && report.success === false && report.numFailedTests === 0 ? 1 : 0),
      skipped: report.numPendingTests + report.numTodoTests,
    };
  } catch {
    return null;
  }
}
function playwrightCounts(file) {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')).stats;
    return { passed: s.expected + s.flaky, failed: s.unexpected, skipped: s.skipped };
  } catch {
    return null;
  }
}

const suites = {
  lint: () =>
    run(bin('eslint'), ['--config', 'test/eslint.config.mjs', '.']).ok && run(bin('prettier'), ['--check', '.']).ok
      ? { passed: 1, failed: 0 }
      : { passed: 0, failed: 1 },
  typecheck: () =>
    run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']).ok &&
    run(bin('tsc'), ['-p', 'renderer/tsconfig.json', '--noEmit']).ok
      ? { passed: 1, failed: 0 }
      : { passed: 0, failed: 1 },
  build: () => (run('npm', ['run', '--silent', 'build']).ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }),
  unit: () => vitest('unit'),
  integration: () => vitest('integration'),
  e2e: () => {
    const out = path.join(tmp, 'e2e.json');
    fs.rmSync(out, { force: true });
    const r = run(bin('playwright'), ['test', '--config', 'test/e2e/playwright.config.ts', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: out,
    });
    return playwrightCounts(out) ?? { passed: 0, failed: r.ok ? 0 : 1 };
  },
};

function vitest(project) {
  const out = path.join(tmp, `${project}.json`);
  fs.rmSync(out, { force: true });
  const r = run(bin('vitest'), [
    'run',
    '--config',
    'test/vitest.config.ts',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  const counts = vitestCounts(out) ?? { passed: 0, failed: 1 };
  if (!r.ok && counts.failed === 0) counts.failed = 1; // a crash or a failing hook still fails the suite
  return counts;
}

const wanted = process.argv.slice(2);
const order = Object.keys(suites).filter((s) => wanted.length === 0 || wanted.includes(s));
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const name of order) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const c = suites[name]();
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped ?? 0;
  rows.push(
    `${name.padEnd(12)} ${String(c.passed).padStart(5)} passed ${String(c.failed).padStart(4)} failed  ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
console.log(`\n${rows.join('\n')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
