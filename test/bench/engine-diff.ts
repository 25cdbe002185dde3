/**
 * `npm run bench:engine-diff`: the engine diff of two 1,000-layer imports (an FP32 and an FP16 build
 * of a 2,000-node CNN, as trtexec writes them: layer info, profile, times). Goal (issue 23): ≤ 0.5 s.
 * Times the whole import — both sets of files read, mapped onto the model and lined up — and the
 * diff alone; prints the median of the runs after two warm-up runs (the engine host is long-lived,
 * its readers compiled) and the first run apart, each as a ratio to the goal, and peak RSS (measured,
 * not asserted).
 */
import * as os from 'node:os';
import { analyzeModelBytes } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { engineDiff } from '../../electron/core/trt/engine-diff/diff';
import { engineView } from '../../electron/core/trt/engine-view';
import { cnn } from '../builders/cnn';
import { trtexecBuild, type TrtexecFiles } from '../builders/trtexec';

const GOAL_S = 0.5;
/** The first runs compile the readers (the engine host is long-lived and warm): reported apart. */
const WARMUP = 2;
const RUNS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const a = analyzeModelBytes(
    encodeModel(
      cnn(
        Array.from({ length: 1000 }, () => 8),
        10,
        32,
      ),
    ),
    '/bench/deep.onnx',
    'deep.onnx',
  );
  const main = a.ir.graphs[0]!;
  const nodes = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  const texts = (f: TrtexecFiles) => [
    { name: 'layers.json', text: JSON.stringify(f.layers) },
    { name: 'profile.json', text: JSON.stringify(f.profile) },
    { name: 'times.json', text: JSON.stringify(f.times) },
  ];
  const A = texts(trtexecBuild(nodes, { precision: 'fp32' }));
  const B = texts(trtexecBuild(nodes, { precision: 'fp16', schema: '11' }));
  const whole: number[] = [];
  const diffOnly: number[] = [];
  let layers = [0, 0];
  let groups = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const va = engineView(a, A);
    const vb = engineView(a, B);
    const t1 = performance.now();
    const d = engineDiff([
      { files: ['a'], view: va },
      { files: ['b'], view: vb },
    ]);
    const t2 = performance.now();
    whole.push((t2 - t0) / 1000);
    diffOnly.push((t2 - t1) / 1000);
    layers = [va.layers.length, vb.layers.length];
    groups = d.groups.length;
  }
  const cold = whole[0]!;
  const w = median(whole.slice(WARMUP));
  const dOnly = median(diffOnly.slice(WARMUP));
  console.log(`bench:engine-diff on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(
    `  model                      ${main.nodeEnd - main.nodeStart} nodes; imports of ${layers.join(' and ')} layers; ${groups} groups`,
  );
  console.log(
    `  import both + diff         ${w.toFixed(3)} s  (${(w / GOAL_S).toFixed(2)} of the ${GOAL_S} s goal; median of the ${RUNS - WARMUP} runs after ${WARMUP} warm-up runs)`,
  );
  console.log(
    `  the same, first run        ${cold.toFixed(3)} s  (${(cold / GOAL_S).toFixed(2)} of the goal: the readers not yet compiled)`,
  );
  console.log(
    `  diff alone                 ${(dOnly * 1000).toFixed(1)} ms  (${(dOnly / GOAL_S).toFixed(3)} of the goal)`,
  );
  console.log(`  peak RSS                   ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main();
