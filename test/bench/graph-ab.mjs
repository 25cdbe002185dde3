#!/usr/bin/env node
/**
 * Two builds of the app compared on opening the same model in browser mode, for a machine too busy
 * for two bench runs a minute apart to be compared (load moves them by a factor of three): both
 * builds' `serve` run at once, one Chromium opens the file in them by turns (ABBA order, after one
 * warm-up open each), and the stages of each open (graph-app.mjs `stages`) are compared as medians.
 * "after host" is from the engine host sending the graph to the first frame: the page's side.
 *
 *   node test/bench/graph-ab.mjs --base DIR [--layers 2500] [--pairs 5]
 *
 * DIR is another worktree, built (`npx tsc -p test/bench/tsconfig.json && npm run build:renderer`);
 * this one is built the same way. The model is built from this worktree's dist/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../chromium-args.cjs';
import { openOnce, stages, startServe, transformerFile } from './graph-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const baseDir = opt('--base');
if (!baseDir) {
  console.error('usage: node test/bench/graph-ab.mjs --base DIR [--layers 2500] [--pairs 5]');
  process.exit(2);
}
const layers = Number(opt('--layers', '2500'));
const pairs = Number(opt('--pairs', '5'));
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const serves = { base: await startServe(path.resolve(baseDir)), this: await startServe(root) };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
const file = transformerFile(root, layers);
const STAGES = {
  total: 'total',
  upload: 'upload',
  transfer: 'transfer (host -> page, decoded)',
  'view model': 'view model',
  layout: 'layout in the worker',
  paint: 'first paint',
};

const VIEWPORT = { width: 1600, height: 1000 };

async function open(side) {
  // The graph only: the summary is not waited for (builds before issue 21 have no mark for it).
  const { marks, host, prepareMs: prepare } = await openOnce(browser, serves[side], file, VIEWPORT, { summary: false });
  const s = stages({ marks, host });
  const sent = host.find((e) => e.kilnTrace === 'job-sent' && e.job === 'model.graph')?.at;
  const out = Object.fromEntries(Object.entries(STAGES).map(([k, key]) => [k, s[key]]));
  return { ...out, 'after host': sent === undefined ? undefined : marks.ready - sent, 'worker prep': prepare };
}

try {
  console.log(`graph A/B: ${layers} blocks, ${pairs} pairs; base ${baseDir}, this ${root}; load ${load()}`);
  await open('base');
  await open('this');
  const res = { base: [], this: [] };
  for (let i = 0; i < pairs; i++)
    for (const side of i % 2 ? ['this', 'base'] : ['base', 'this']) {
      const r = await open(side);
      res[side].push(r);
      const line = Object.entries(r).map(([k, v]) => `${k} ${v === undefined ? '-' : Math.round(v)}`);
      console.log(`  ${side.padEnd(4)} ${line.join('  ')}  (load ${load()})`);
    }
  const median = (xs) => {
    const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)] : NaN;
  };
  for (const k of Object.keys(res.base[0])) {
    const a = median(res.base.map((r) => r[k]));
    const b = median(res.this.map((r) => r[k]));
    console.log(
      `median ${k.padEnd(11)} base ${String(Math.round(a)).padStart(6)}  this ${String(Math.round(b)).padStart(6)}  ratio ${(b / a).toFixed(2)}`,
    );
  }
  console.log(`load ${load()} at the end`);
} finally {
  await browser.close();
  await serves.base.stop();
  await serves.this.stop();
}
