#!/usr/bin/env node
/**
 * `npm run mutate [-- module ...]`: mutation testing with StrykerJS, one module at a time (the
 * modules of test/mutation/modules.mjs; all of them when none is named), then a table per module
 * — mutants, killed, survived, no coverage, timeout, score, and the static mutants left out (code
 * run once when a module loads: ignoreStatic) — and the surviving mutants, written to
 * test/.tmp/mutation/ (summary.md, <module>.html, <module>.json, <module>-survived.txt) with the
 * commit measured. Exits 1 when a module scores under 80 %. Not part of `npm test` or CI: it takes
 * tens of minutes.
 *
 * Stryker is driven through its API, not its CLI: the CLI refuses Node < 22, while Kiln supports
 * Node 20.19, on which Stryker 10 runs (with `require(esm)`, on by default since 20.19).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MODULES } from './modules.mjs';

// The package's entry also loads its CLI, whose first act is the Node >= 22 check: load the API
// class from its own file instead.
const core = path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(path.join(core, 'dist', 'src', 'stryker.js')).href);

const root = path.resolve(import.meta.dirname, '../..');
process.chdir(root);
const out = path.join(root, 'test', '.tmp', 'mutation');

const names = process.argv.slice(2);
if (names.includes('--list')) {
  for (const [name, m] of Object.entries(MODULES)) console.log(`${name.padEnd(16)} ${m.what}`);
  process.exit(0);
}
const unknown = names.filter((n) => !(n in MODULES));
if (unknown.length > 0) {
  console.error(`unknown module ${unknown.join(', ')}; one of: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
const chosen = names.length > 0 ? names : Object.keys(MODULES);

/** @param {string[]} args */
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'electron', 'test').length > 0;

/** @typedef {import('@stryker-mutator/api/core').MutantResult} MutantResult */

/**
 * Counts by Stryker's statuses; the score is Stryker's: (killed + timeout) / (those + survived + no coverage).
 * @param {MutantResult[]} results
 */
function tally(results) {
  /** @param {string} status */
  const count = (status) => results.filter((r) => r.status === status).length;
  const t = {
    score: 0,
    mutants: 0,
    killed: count('Killed'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    timeout: count('Timeout'),
    errors: count('CompileError') + count('RuntimeError'),
    ignored: count('Ignored'),
  };
  t.mutants = t.killed + t.survived + t.noCoverage + t.timeout;
  const detected = t.killed + t.timeout;
  t.score = t.mutants ? (100 * detected) / t.mutants : 100;
  return t;
}

/** @param {MutantResult} r */
function describeMutant(r) {
  const at = `${r.fileName}:${r.location.start.line}:${r.location.start.column}`;
  const replacement = (r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 120);
  return `${r.status.padEnd(10)} ${at}  ${r.mutatorName}: ${replacement}`;
}

fs.mkdirSync(out, { recursive: true });
/** @type {(ReturnType<typeof tally> & { name: string, seconds: number })[]} */
const rows = [];
const started = Date.now();
for (const name of chosen) {
  const m = /** @type {import('./modules.mjs').MutationModule} */ (MODULES[name]);
  const tests = m.tests.filter((f) => fs.existsSync(path.join(root, f)));
  console.log(`\n=== ${name}: ${m.what} (${tests.length} test files) ===`);
  const t0 = Date.now();
  /** @type {MutantResult[]} */
  const results = await new Stryker({
    configFile: 'test/stryker.config.mjs',
    mutate: m.mutate(),
    testFiles: tests,
    htmlReporter: { fileName: `test/.tmp/mutation/${name}.html` },
    jsonReporter: { fileName: `test/.tmp/mutation/${name}.json` },
  }).runMutationTest();
  const seconds = Math.round((Date.now() - t0) / 1000);
  const t = tally(results);
  rows.push({ name, ...t, seconds });
  const left = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage');
  fs.writeFileSync(path.join(out, `${name}-survived.txt`), left.map(describeMutant).join('\n') + '\n');
  console.log(`${name}: ${t.score.toFixed(1)} % of ${t.mutants} mutants killed in ${seconds} s`);
}

const total = Math.round((Date.now() - started) / 1000);
const lines = [
  `Measured at ${commit}${dirty ? ' (with uncommitted changes)' : ''}, ${new Date().toISOString()}, ` +
    `\`npm run mutate${names.length ? ` -- ${names.join(' ')}` : ''}\`, ${Math.round(total / 60)} min in all.`,
  '',
  '| Module | Mutants | Killed | Survived | No coverage | Timeout | Score | Static, not run | Time |',
  '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.mutants} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${r.timeout} | ` +
      `${r.score.toFixed(1)} % | ${r.ignored} | ${r.seconds} s |`,
  ),
];
fs.writeFileSync(path.join(out, 'summary.md'), lines.join('\n') + '\n');
console.log(`\n${lines.join('\n')}\n\nSurviving mutants: test/.tmp/mutation/<module>-survived.txt`);
process.exit(rows.some((r) => r.score < 80) ? 1 : 0);
