/**
 * `npm run bench:edit`: model surgery on the generated 125k-node transformer (2,500 layers × 50
 * nodes, dynamic batch and sequence, a Shape → Gather → Unsqueeze → Concat chain per layer), each
 * figure in a fresh process so its peak RSS is its own:
 *   1. fold: read, fix the input shapes, fold (the shape chains go) — goal ≤ 3 s, ≤ 1 GB peak RSS.
 *   2. fix: the model.fix job `kiln fix --for trt10 --shapes …` runs: read, check, plan, apply, write
 *      the new version, check it again — goal ≤ 3 s, ≤ 1 GB. At 125k nodes its exactness run is
 *      skipped (over exactness.ts's node limit: ONNX Runtime's session creation grows with the
 *      square of the node count, hours at this size), and the report says so. `fix` is the job as
 *      `kiln fix` runs it, from the file; `fix-open` as the app runs it, where the model is open
 *      (read and analysed, not timed) when Fix is pressed.
 *   3. the same job on a model a tenth the size, where the exactness run on ONNX Runtime happens.
 * Every figure is also given as a ratio to opening the same file in the same run (bench:open's work),
 * which stays meaningful on a loaded machine, and with its CPU time (user + system), steadier still.
 * Options: --layers N (default 2500); --only, a comma list of fold, fix, fix-open (without it, all, and the job with
 * exactness on the smaller model runs too).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyEdits } from '../../electron/core/edit/apply';
import { detachWeights } from '../../electron/core/edit/model-copy';
import { fixModelFile } from '../../electron/core/edit/fix';
import { openModelFile } from '../../electron/core/onnx/open';
import { analyzeModel, analyzeModelCached } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';
import { peakRssMB } from './open-decoders';

const SHAPES = { input: [1, 16, 16] };
const GOAL_MS = 3000;
const GOAL_MB = 1024;

interface Figures {
  ms: number;
  /** CPU time (user + system) of the work: steadier than wall time on a machine other jobs share. */
  cpuMs?: number;
  peakRssMB: number;
  nodesBefore: number;
  nodesAfter: number;
  extra?: Record<string, number | string>;
}

async function child(what: string, file: string): Promise<void> {
  let t = performance.now();
  let cpu = process.cpuUsage();
  let result: Figures;
  if (what === 'open') {
    // The baseline the ratios are against: what bench:open measures (read, IR, shapes, statistics).
    const a = await analyzeModel(file);
    const n = a.opened.model.graph?.node.length ?? 0;
    result = { ms: performance.now() - t, peakRssMB: peakRssMB(), nodesBefore: n, nodesAfter: n };
  } else if (what === 'fold') {
    const opened = await openModelFile(file);
    const m = detachWeights(opened.model, { path: opened.path, bytes: opened.bytes });
    const r = applyEdits(m, [{ kind: 'shapes', shapes: SHAPES }, { kind: 'fold' }], path.basename(file));
    result = {
      ms: performance.now() - t,
      peakRssMB: peakRssMB(),
      nodesBefore: opened.model.graph?.node.length ?? 0,
      nodesAfter: r.model.graph?.node.length ?? 0,
    };
  } else {
    // The model.fix job, as `kiln fix --for trt10 --shapes …` runs it: read and check, plan, apply,
    // write the new version, the exactness run (skipped above its node limit: see exactness.ts),
    // check the result. 'fix-full' is the same job on the model a tenth the size, where it runs.
    if (what === 'fix-open') {
      // The app: the model was opened (summary, graph) before Fix is pressed; only the fix is timed.
      await analyzeModelCached(file, path.basename(file));
      t = performance.now();
      cpu = process.cpuUsage();
    }
    const stages: { stage: string; at: number }[] = [];
    const r = await fixModelFile(
      file,
      path.basename(file),
      { trt: 10, shapes: SHAPES, inputPaths: [] },
      {
        progress: (p) => stages.push({ stage: p.stage ?? '', at: performance.now() - t }),
        signal: new AbortController().signal,
      },
    );
    const ms = performance.now() - t;
    const at = (prefix: string) => stages.find((x) => x.stage.startsWith(prefix))?.at ?? ms;
    const edit = at('Editing');
    const run = at('Running');
    const after = stages.filter((x) => x.stage.startsWith('Checking')).at(-1)?.at ?? ms;
    result = {
      ms,
      peakRssMB: peakRssMB(),
      nodesBefore: r.applied[0]?.nodesBefore ?? 0,
      nodesAfter: r.applied[r.applied.length - 1]?.nodesAfter ?? 0,
      extra: {
        edits: r.applied.map((e) => e.kind).join('+'),
        unsupportedAfter: r.check?.unsupported ?? -1,
        readAndCheckMs: Math.round(edit),
        editAndWriteMs: Math.round(run - edit),
        exactnessMs: Math.round(after - run),
        checkAfterMs: Math.round(ms - after),
        exact: r.exactness.skipped ? `not measured (${r.exactness.skipped.split(' (')[0]})` : String(r.exactness.exact),
      },
    };
  }
  const used = process.cpuUsage(cpu);
  result.cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(JSON.stringify(result));
}

const sec = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`;

function measure(what: string, file: string, env: NodeJS.ProcessEnv): Figures {
  const r = spawnSync(process.execPath, [__filename, '--child', what, file], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Figures;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1] as string, args[2] as string);
  const layers = args.includes('--layers') ? Number(args[args.indexOf('--layers') + 1]) : 2500;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-edit-'));
  try {
    const file = path.join(dir, `transformer-${layers}.onnx`);
    fs.writeFileSync(file, encodeModel(transformer(layers)));
    const env = { ...process.env, KILN_VARIANTS_DIR: path.join(dir, 'variants') };
    console.log(`generated transformer: ${layers} layers, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB`);
    console.log(`load average at start: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
    const open = measure('open', file, env);
    console.log(
      `open  ${open.nodesBefore} nodes: ${(open.ms / 1000).toFixed(2)} s (CPU ${sec(open.cpuMs)}), peak RSS ${open.peakRssMB.toFixed(0)} MB (the baseline: bench:open's work)`,
    );
    const only = args.includes('--only')
      ? (args[args.indexOf('--only') + 1] as string).split(',')
      : ['fold', 'fix', 'fix-open'];
    for (const what of only) {
      const f = measure(what, file, env);
      const ok = f.ms <= GOAL_MS && f.peakRssMB <= GOAL_MB ? 'PASS' : 'FAIL';
      console.log(
        `${what.padEnd(8)} ${f.nodesBefore} → ${f.nodesAfter} nodes: ${(f.ms / 1000).toFixed(2)} s (${(f.ms / open.ms).toFixed(1)}× open; CPU ${sec(f.cpuMs)} = ${((f.cpuMs ?? 0) / (open.cpuMs ?? 1)).toFixed(1)}× open's), peak RSS ${f.peakRssMB.toFixed(0)} MB` +
          `  (goal ≤ ${GOAL_MS / 1000} s, ≤ ${GOAL_MB} MB: ${ok})${f.extra ? `  ${JSON.stringify(f.extra)}` : ''}`,
      );
    }
    if (!args.includes('--only')) {
      // The exactness run is ONNX Runtime's: its session creation grows with the node count (minutes at
      // 125k nodes here), so the whole job is timed on a model a tenth the size.
      const small = path.join(dir, `transformer-${Math.max(1, Math.round(layers / 10))}.onnx`);
      fs.writeFileSync(small, encodeModel(transformer(Math.max(1, Math.round(layers / 10)))));
      const f = measure('fix-full', small, env);
      console.log(
        `model.fix job with exactness, ${f.nodesBefore} → ${f.nodesAfter} nodes: ${(f.ms / 1000).toFixed(2)} s, peak RSS ${f.peakRssMB.toFixed(0)} MB  ${JSON.stringify(f.extra)}`,
      );
    }
    console.log(`load average at end: ${os.loadavg()[0]!.toFixed(1)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
