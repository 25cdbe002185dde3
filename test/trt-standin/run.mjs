#!/usr/bin/env node
// `npm run test:trt -- --trt-include DIR [--trt-include DIR ...] [--only TEXT]`: builds the TensorRT
// stand-in, Kiln's real plugin and a driver under AddressSanitizer for each header set, then runs
// the plugin end to end and every defect case (cases.mjs) against it. Without headers it says
// plainly that it skipped, and exits 0: TensorRT's headers are fetched by developers, never
// committed. Output: one line per case, then "N passed, M failed" per header set.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildStandin, headerVersion } from './build.mjs';
import { cases } from './cases.mjs';
import { writeModels } from './models.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values } = parseArgs({
  options: {
    'trt-include': { type: 'string', multiple: true },
    only: { type: 'string' },
    // The loader finds the stand-in's folder too (LD_LIBRARY_PATH): isolates defects from defect 7.
    'loader-path': { type: 'boolean' },
    // Another plugin source folder (e.g. `git archive` of an older commit): shows a case failing before its fix.
    'plugin-src': { type: 'string' },
  },
});
const includes = values['trt-include'] ?? (process.env.KILN_TRT_INCLUDE ? process.env.KILN_TRT_INCLUDE.split(':') : []);
const present = includes.filter((d) => fs.existsSync(path.join(d, 'NvInferVersion.h')));
if (present.length === 0) {
  console.log(
    `test:trt: SKIPPED — no TensorRT headers${includes.length ? ` in ${includes.join(', ')}` : ''}. ` +
      'Give --trt-include /path/to/TensorRT/include (native/README.md says how to fetch them).',
  );
  process.exit(0);
}
for (const d of includes.filter((x) => !present.includes(x)))
  console.log(`test:trt: ${d} has no NvInferVersion.h; skipped`);

const findings = (stderr) =>
  stderr
    .split('\n')
    .filter((l) => /STANDIN VIOLATION|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: /.test(l));

let failedTotal = 0;
for (const include of present) {
  const v = headerVersion(include);
  const label = `${v.major}.${v.minor}.${v.patch}`;
  const out = path.join(root, 'test/.tmp/trt-standin', label);
  const t0 = Date.now();
  const built = buildStandin(include, out, values['plugin-src']); // each part rebuilt only where its sources changed
  console.log(`test:trt: TensorRT ${label} headers (${include}); built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const work = path.join(out, 'work');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const models = writeModels(path.join(work, 'models'));
  let n = 0;
  const call = (script, env = {}) => {
    const file = path.join(work, `script-${n++}.json`);
    fs.writeFileSync(file, JSON.stringify(script));
    const r = spawnSync(built.driver, [built.plugin, built.core, file], {
      encoding: 'utf8',
      env: {
        ...process.env,
        KILN_TENSORRT_DIR: built.lib,
        LD_LIBRARY_PATH: values['loader-path'] ? built.lib : '',
        ASAN_OPTIONS: 'detect_stack_use_after_return=1:detect_leaks=1:exitcode=86',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
        ...env,
      },
      timeout: 120_000,
    });
    const found = findings(r.stderr ?? '');
    if (r.status !== 0 || found.length)
      throw new Error(
        `the driver exited ${r.status ?? r.signal}${found.length ? `:\n    ${found.slice(0, 6).join('\n    ')}` : `\n${(r.stderr ?? '').slice(-1500)}`}`,
      );
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  const ctx = { models, work, version: v, versionNumber: v.major * 10000 + v.minor * 100 + v.patch, call };
  let passed = 0;
  let failed = 0;
  for (const c of cases(ctx)) {
    if (values.only && !c.name.includes(values.only) && String(c.defect) !== values.only) continue;
    try {
      c.run();
      passed++;
      console.log(`  ok    [${c.defect}] ${c.name}`);
    } catch (err) {
      failed++;
      console.log(`  FAIL  [${c.defect}] ${c.name}\n        ${String(err.message).replace(/\n/g, '\n        ')}`);
    }
  }
  console.log(`test:trt: TensorRT ${label}: ${passed} passed, ${failed} failed`);
  failedTotal += failed;
}
process.exit(failedTotal ? 1 : 0);
