#!/usr/bin/env node
/**
 * `npm run bench:graph-host`: the engine host's part of opening a model's graph (the `model.graph`
 * job, main graph, file not yet decoded): read the file, make the payload, encode it, measured in a
 * fresh process per open so each starts as the host does, with wall and CPU milliseconds and peak
 * RSS. CPU time is what a shared, loaded machine disturbs least, so it is the figure to compare.
 * With `--base DIR` (another worktree, built with `npx tsc -p test/bench/tsconfig.json`) the two
 * builds run by turns (ABBA) on the same file and the medians are set side by side.
 *
 *   node test/bench/graph-host.mjs [--base DIR] [--layers 2500] [--runs 5] [--no-build]
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformerFile } from './graph-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const baseDir = opt('--base') ? path.resolve(opt('--base')) : null;
const layers = Number(opt('--layers', '2500'));
const runs = Number(opt('--runs', '5'));

if (!args.includes('--no-build'))
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'test/bench/tsconfig.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
const file = transformerFile(root, layers);

/**
 * One open in a fresh Node process of the build in `dir`: what its model.graph job does (older
 * builds: payload, then encode; newer: graphBytesForFile), timed there.
 */
const child = `
const path = require('node:path');
const dir = process.argv[1], file = process.argv[2];
const load = require(path.join(dir, 'dist/electron/core/graph/load.js'));
const { encodeGraphPayload } = require(path.join(dir, 'dist/electron/shared/api/graph-codec.js'));
(async () => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const bytes = load.graphBytesForFile
    ? await load.graphBytesForFile(file, 'm.onnx')
    : encodeGraphPayload(await load.graphPayloadForFile(file, 'm.onnx'));
  const wall = performance.now() - t;
  const c = process.cpuUsage(cpu);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ wall, cpu: (c.user + c.system) / 1000, rss, bytes: bytes.byteLength }));
})();
`;
const once = (dir) => JSON.parse(execFileSync(process.execPath, ['-e', child, dir, file], { encoding: 'utf8' }));

const sides = baseDir ? { base: baseDir, this: root } : { this: root };
const all = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
// ABBA: base then this, then this then base, ...
for (let i = 0; i < runs; i++) {
  const order = !baseDir ? ['this'] : i % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
  for (const side of order) all[side].push(once(sides[side]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadavg = () =>
  process.platform === 'linux'
    ? execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')
    : '';
console.log(
  `model.graph in the host, ${layers * 50} nodes, fresh process per open, median of ${runs} (load ${loadavg()}):`,
);
for (const [side, xs] of Object.entries(all)) {
  const m = (k) => median(xs.map((x) => x[k]));
  console.log(
    `  ${side.padEnd(5)} wall ${m('wall').toFixed(0).padStart(5)} ms  cpu ${m('cpu').toFixed(0).padStart(5)} ms  peak RSS ${m('rss').toFixed(0)} MB  payload ${(xs[0].bytes / 2 ** 20).toFixed(1)} MB` +
      `  (wall ${xs.map((x) => x.wall.toFixed(0)).join(' / ')})`,
  );
}
if (baseDir) {
  const r = (k) => median(all.this.map((x) => x[k])) / median(all.base.map((x) => x[k]));
  console.log(
    `  this / base: wall ${r('wall').toFixed(2)}, cpu ${r('cpu').toFixed(2)}, peak RSS ${r('rss').toFixed(2)}`,
  );
}
