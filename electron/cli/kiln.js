#!/usr/bin/env node
// `npx kiln <command>`: runs the compiled CLI (built by `npm install` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', '..', 'dist', 'electron', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('kiln: the CLI has not been built yet. Run `npm run build` in the Kiln folder first.');
  process.exit(2);
}
require(entry);
