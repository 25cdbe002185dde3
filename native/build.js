#!/usr/bin/env node
// Builds the native addon with cmake-js in Node-API mode (headers from node-api-headers, nothing
// downloaded). For `npm install` a failed build is not fatal: Kiln runs without the addon and says
// so in the UI (the README calls it optional). Under CI (CI set), or with KILN_NATIVE_REQUIRED=1, it
// is: this exits 1, since the probe and TensorRT tests cannot run without it and would only skip.
// KILN_NATIVE_REQUIRED=0 makes it optional under CI too.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = __dirname;
const flag = process.env.KILN_NATIVE_REQUIRED;
const ci = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const required = flag === '1' || (flag !== '0' && ci);
/** Exit status of a build that did not happen: 1 where the addon is required, else 0. */
const failedStatus = () => {
  if (required)
    console.error(`kiln: the native addon is required here (${flag === '1' ? 'KILN_NATIVE_REQUIRED=1' : 'CI'})`);
  return required ? 1 : 0;
};
const cli = path.join(dir, '..', 'node_modules', 'cmake-js', 'bin', 'cmake-js');
if (!fs.existsSync(cli)) {
  console.warn('kiln: cmake-js is not installed; skipping the native addon (TensorRT features will be unavailable).');
  process.exit(failedStatus());
}
const r = spawnSync(process.execPath, [cli, 'compile', '--directory', dir, '--out', path.join(dir, 'build')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
const out = path.join(dir, 'build', 'Release', 'kiln_native.node');
if (r.status === 0 && fs.existsSync(out)) {
  console.log(`kiln: native addon built at ${path.relative(process.cwd(), out)}`);
  fs.rmSync(path.join(dir, 'build', 'last-error.txt'), { force: true });
} else {
  const why = `${r.error ? r.error.message : ''}${r.stderr || ''}${r.stdout || ''}`
    .trim()
    .split('\n')
    .slice(-15)
    .join('\n');
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'build', 'last-error.txt'), why);
  console.warn(`kiln: the native addon did not build; Kiln will run without TensorRT support.\n${why}`);
  process.exit(failedStatus());
}
process.exit(0);
