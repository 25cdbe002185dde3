/**
 * `npm run bench:edit`: model surgery on the generated 125k-node transformer (2,500 layers × 50
 * nodes, dynamic batch and sequence, a Shape → Gather → Unsqueeze → Concat chain per layer), each
 * figure in a fresh process so its peak RSS is its own:
 *   1. fold: read, fix the input shapes, fold (the shape chains go) — goal ≤ 3 s, ≤ 1 GB peak RSS.
 *   2. fix: `kiln fix --for trt10 --shapes …`'s work: read, check, plan, apply, write the new
 *      version, check it again — goal ≤ 3 s, ≤ 1 GB; the exactness run beside the original on ONNX
 *      Runtime is reported apart (it is ONNX Runtime's session creation on 125k nodes, not the edit).
 * Options: --layers N (default 2500).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyEdits } from '../../electron/core/edit/apply';
import { detachWeights } from '../../electron/core/edit/model-copy';
import { fixModelFile } from '../../electron/core/edit/fix';
import { openModelFile } from '../../electron/core/onnx/open';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';
import { peakRssMB } from './open-decoders';

const SHAPES = { input: [1, 16, 16] };
const GOAL_MS = 3000;
const GOAL_MB = 1024;

interface Figures {
  ms: number;
  peakRssMB: number;
  nodesBefore: number;
  nodesAfter: number;
  extra?: Record<string, number | string>;
}

async function child(what: string, file: string): Promise<void> {
  const t = performance.now();
  let out: Figures;
  if (what === 'fold') {
    const opened = await openModelFile(file);
    const m = detachWeights(opened.model, { path: opened.path, bytes: opened.bytes });
    const r = applyEdits(m, [{ kind: 'shapes', shapes: SHAPES }, { kind: 'fold' }], path.basename(file));
    out = {
      ms: performance.now() - t,
      peakRssMB: peakRssMB(),
      nodesBefore: opened.model.graph?.node.length ?? 0,
      nodesAfter: r.model.graph?.node.length ?? 0,
    };
  } else {
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
    const run = stages.find((s) => s.stage.startsWith('Running'))?.at ?? ms;
    const applied = r.applied;
    out = {
      ms,
      peakRssMB: peakRssMB(),
      nodesBefore: applied[0]?.nodesBefore ?? 0,
      nodesAfter: applied[applied.length - 1]?.nodesAfter ?? 0,
      extra: {
        editMs: Math.round(run),
        exactnessAndCheckMs: Math.round(ms - run),
        unsupportedAfter: r.check?.unsupported ?? -1,
        exact: String(r.exactness.exact),
      },
    };
  }
  process.stdout.write(JSON.stringify(out));
}

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
    for (const what of ['fold', 'fix']) {
      const f = measure(what, file, env);
      const ok = f.ms <= GOAL_MS && f.peakRssMB <= GOAL_MB ? 'PASS' : 'FAIL';
      console.log(
        `${what.padEnd(5)} ${f.nodesBefore} → ${f.nodesAfter} nodes: ${(f.ms / 1000).toFixed(2)} s, peak RSS ${f.peakRssMB.toFixed(0)} MB` +
          `  (goal ≤ ${GOAL_MS / 1000} s, ≤ ${GOAL_MB} MB: ${ok})${f.extra ? `  ${JSON.stringify(f.extra)}` : ''}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
