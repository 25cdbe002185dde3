#!/usr/bin/env node
// `npm start`: runs the desktop app. Electron's npm package fetches its binary on first use; where
// that cannot happen (no network to its download host), say so and point to browser mode.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const electronDir = process.env.KILN_ELECTRON_DIR ?? path.join(root, 'node_modules', 'electron');

function binaryPath() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const exe = path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(exe) ? exe : null;
}

function explain(why) {
  console.error(
    [
      'Kiln: the Electron binary is not installed on this machine, so the desktop window cannot open.',
      `  why: ${why}`,
      '  Browser mode runs the same UI without it:  npm run serve',
      '  (then open the printed http://127.0.0.1:4317/?token=… URL in a browser)',
    ].join('\n'),
  );
  process.exit(1);
}

if (!fs.existsSync(path.join(electronDir, 'package.json')))
  explain('the electron package is missing from node_modules (run npm install)');
let exe = binaryPath();
if (!exe && process.env.KILN_NO_ELECTRON_DOWNLOAD !== '1') {
  console.error('Kiln: fetching the Electron binary (first run only)…');
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'inherit', timeout: 300_000 });
  if (r.status === 0) exe = binaryPath();
}
if (!exe) explain('its download was skipped or failed (this machine cannot reach the Electron download host)');
if (!fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  console.error('Kiln: the app has not been built; run `npm run build` first.');
  process.exit(1);
}
const child = spawn(exe, [root], { stdio: 'inherit' });
// A binary that cannot be started (not executable, a missing library) is said in plain words, not thrown.
child.on('error', (err) => {
  console.error(`Kiln: the Electron binary could not be started (${err.code ?? err.message}).`);
  console.error('  Browser mode runs the same UI without it:  npm run serve');
  process.exit(1);
});
child.on('exit', (code) => process.exit(code ?? 0));
