#!/usr/bin/env node
// Builds the native addon with cmake-js in Node-API mode (headers from node-api-headers, nothing
// downloaded). A failed build is not fatal: Kiln runs without the addon and says so in the UI.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = __dirname;
const cli = path.join(dir, '..', 'node_modules', 'cmake-js', 'bin', 'cmake-js');
if (!fs.existsSync(cli)) {
  console.warn('kiln: cmake-js is not installed; skipping the native addon (TensorRT features will be unavailable).');
  process.exit(0);
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
}
process.exit(0);
