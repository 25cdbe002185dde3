#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark script (`bench:*` in package.json), one after another, each in
 * its own process so one's memory cannot colour another's figures. Benchmarks print figures; they
 * do not pass or fail on speed (the machine is shared and noisy). `npm run bench -- open graph` runs some.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const pkg = require(path.join(__dirname, '..', '..', 'package.json'));
const wanted = process.argv.slice(2);
const names = Object.keys(pkg.scripts)
  .filter((s) => s.startsWith('bench:'))
  .filter((s) => wanted.length === 0 || wanted.includes(s.slice('bench:'.length)));
let failed = 0;
for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit', cwd: path.join(__dirname, '..', '..') });
  if (r.status !== 0) {
    failed++;
    console.log(`${name} exited with ${r.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
