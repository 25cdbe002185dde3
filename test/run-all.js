#!/usr/bin/env node
/**
 * `npm test`: every suite in order — lint, test-types (the tests' own types, test/tsconfig.json),
 * typecheck, build, unit, integration, e2e — and a final line `N passed, N failed` counting the tests
 * of all suites (lint, test-types, typecheck and build count as one check each). Exits non-zero
 * when anything failed. `npm test -- unit e2e` runs only those suites.
 *
 * It cannot be told "passed" by a suite that did not run: a suite fails when its runner exits
 * non-zero, writes no report, reports an error outside the tests (a file that does not load, a web
 * server that does not start), or ran no test at all; its report counts only when it agrees with
 * the exit status. Every skipped test is listed with its reason (vitest: `meta.skipped`, set by
 * test/prerequisites.ts; Playwright: the `skip` annotation's description), and a skip that gives
 * no reason is a failure.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tmp = path.join(root, 'test', '.tmp');
fs.mkdirSync(tmp, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { ok: r.status === 0, status: r.status, signal: r.signal, error: r.error };
}

/** How a runner ended, in words, when it did not end with 0. */
function exitText(r) {
  if (r.error) return `could not be started (${r.error.message})`;
  return r.signal ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** One check (lint, typecheck, build): passed when every command exits 0. */
function check(name, commands) {
  for (const [cmd, args] of commands) {
    const r = run(cmd, args);
    if (!r.ok)
      return { passed: 0, failed: 1, skipped: [], problems: [`${name}: ${path.basename(cmd)} ${exitText(r)}`] };
  }
  return { passed: 1, failed: 0, skipped: [], problems: [] };
}

/**
 * Counts from vitest's JSON report, checked against the exit status: a file that failed to load,
 * a failing hook, an unhandled error or a run with no test executed fails the suite.
 */
function vitestResult(project, report, r) {
  const out = { passed: 0, failed: 0, skipped: [], problems: [] };
  if (!report) {
    out.failed = 1;
    out.problems.push(`${project}: vitest wrote no report (it ${r.ok ? 'exited with status 0' : exitText(r)})`);
    return out;
  }
  for (const file of report.testResults ?? []) {
    const rel = path.relative(root, file.name);
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') out.passed++;
      else if (t.status === 'failed') {
        out.failed++;
        out.problems.push(`${rel} > ${t.fullName}: failed`);
      } else if (t.status === 'skipped' || t.status === 'todo') {
        const why = t.meta && typeof t.meta.skipped === 'string' ? t.meta.skipped : null;
        out.skipped.push({ name: `${rel} > ${t.fullName}`, why });
      } else {
        out.failed++;
        out.problems.push(`${rel} > ${t.fullName}: did not finish (${t.status})`);
      }
    }
    // A file that fails outside its tests (an import error, a failing beforeAll) has no failed test.
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
      out.failed++;
      out.problems.push(`${rel}: failed outside its tests: ${(file.message || 'no message').split('\n')[0]}`);
    }
  }
  for (const s of out.skipped)
    if (s.why === null) {
      out.failed++;
      out.problems.push(`${s.name}: skipped without a reason (skip through test/prerequisites.ts, which says why)`);
    }
  if ((report.testResults ?? []).length === 0) out.problems.push(`${project}: no test file was found`);
  else if (out.passed === 0) out.problems.push(`${project}: no test ran (${out.skipped.length} skipped)`);
  if (!r.ok && out.failed === 0) out.problems.push(`${project}: vitest ${exitText(r)} though no test failed`);
  if (report.success === false && out.failed === 0)
    out.problems.push(`${project}: vitest's report says the run failed`);
  if (out.problems.length > 0 && out.failed === 0) out.failed = 1;
  return out;
}

function vitest(project) {
  const file = path.join(tmp, `${project}.json`);
  fs.rmSync(file, { force: true });
  const r = run(bin('vitest'), [
    'run',
    '--config',
    'test/vitest.config.ts',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  return vitestResult(project, readJson(file), r);
}

/** Every test in a Playwright JSON report, with its file and title path. */
function* playwrightTests(suites, titles = []) {
  for (const s of suites ?? []) {
    const here = s.title ? [...titles, s.title] : titles;
    for (const spec of s.specs ?? [])
      for (const t of spec.tests ?? []) yield { name: [...here, spec.title].join(' > '), file: spec.file, test: t };
    yield* playwrightTests(s.suites, here);
  }
}

/**
 * Counts from Playwright's JSON report, checked against the exit status. Playwright writes a report
 * even when its web server fails to start or it finds no test (every count 0): that is a failure.
 */
function playwrightResult(report, r) {
  const out = { passed: 0, failed: 0, skipped: [], problems: [] };
  if (!report) {
    out.failed = 1;
    out.problems.push(`e2e: Playwright wrote no report (it ${r.ok ? 'exited with status 0' : exitText(r)})`);
    return out;
  }
  for (const { name, test } of playwrightTests(report.suites)) {
    if (test.status === 'expected' || test.status === 'flaky') out.passed++;
    else if (test.status === 'skipped') {
      const notes = [...(test.annotations ?? []), ...(test.results ?? []).flatMap((x) => x.annotations ?? [])];
      const skip = notes.find((a) => (a.type === 'skip' || a.type === 'fixme') && a.description);
      out.skipped.push({ name: `e2e > ${name}`, why: skip ? skip.description : null });
    } else {
      out.failed++;
      out.problems.push(`e2e > ${name}: failed`);
    }
  }
  for (const s of out.skipped)
    if (s.why === null) {
      out.failed++;
      out.problems.push(`${s.name}: skipped without a reason (test.skip(condition, 'why'))`);
    }
  for (const e of report.errors ?? [])
    out.problems.push(`e2e: ${String(e.message || e.value || 'an error outside the tests').split('\n')[0]}`);
  if (out.passed === 0) out.problems.push(`e2e: no test ran (${out.skipped.length} skipped)`);
  if (!r.ok && out.failed === 0) out.problems.push(`e2e: Playwright ${exitText(r)} though no test failed`);
  if (out.problems.length > 0 && out.failed === 0) out.failed = 1;
  return out;
}

const suites = {
  lint: () =>
    check('lint', [
      [bin('eslint'), ['--config', 'test/eslint.config.mjs', '.']],
      [bin('prettier'), ['--check', '.']],
    ]),
  // The tests' own types (vitest and Playwright strip them unchecked): every file under test/, e2e included.
  'test-types': () => check('test-types', [[bin('tsc'), ['-p', 'test/tsconfig.json']]]),
  typecheck: () =>
    check('typecheck', [
      [bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
      [bin('tsc'), ['-p', 'renderer/tsconfig.json', '--noEmit']],
    ]),
  build: () => check('build', [['npm', ['run', '--silent', 'build']]]),
  unit: () => vitest('unit'),
  integration: () => vitest('integration'),
  e2e: () => {
    const file = path.join(tmp, 'e2e.json');
    fs.rmSync(file, { force: true });
    const r = run(bin('playwright'), ['test', '--config', 'test/e2e/playwright.config.ts', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: file,
    });
    return playwrightResult(readJson(file), r);
  },
};

module.exports = { vitestResult, playwrightResult };

if (require.main === module) {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((s) => !(s in suites));
  if (unknown.length > 0) {
    console.error(`run-all: no suite named ${unknown.join(', ')} (suites: ${Object.keys(suites).join(', ')})`);
    console.log('0 passed, 1 failed');
    process.exit(2);
  }
  const order = Object.keys(suites).filter((s) => wanted.length === 0 || wanted.includes(s));
  let passed = 0;
  let failed = 0;
  const rows = [];
  const skipped = [];
  const problems = [];
  for (const name of order) {
    console.log(`\n=== ${name} ===`);
    const started = Date.now();
    const c = suites[name]();
    passed += c.passed;
    failed += c.failed;
    skipped.push(...c.skipped);
    problems.push(...c.problems);
    rows.push(
      `${name.padEnd(12)} ${String(c.passed).padStart(5)} passed ${String(c.failed).padStart(4)} failed ${String(c.skipped.length).padStart(4)} skipped  ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  console.log(`\n${rows.join('\n')}`);
  if (skipped.length > 0)
    console.log(
      `\nskipped (${skipped.length}):\n${skipped.map((s) => `  ${s.name}\n      ${s.why ?? 'NO REASON GIVEN'}`).join('\n')}`,
    );
  if (problems.length > 0) console.log(`\nfailed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  console.log(`${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
  process.exit(failed === 0 ? 0 : 1);
}
