/**
 * `npm run bench:surgery`: the lossy and structural edits (electron/core/edit: remove, extract,
 * addOutputs, rename, plugin, dequantize, upcast) on the generated 125,000-node transformer, each
 * timed in the same process right after opening the model, and reported as a ratio to that open
 * (read + IR + shapes), with the process's peak RSS at the end. The edits that infer types run
 * shape inference over the whole graph once, so about one open's worth of time each is expected.
 * No speed goal: figures only (the machine is shared and noisy).
 * Options: --layers N (default 2500, 50 nodes each).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EditSchema, type Edit } from '../../electron/shared/api/edits';
import { dequantize } from '../../electron/core/edit/dequantize';
import type { EditStep } from '../../electron/core/edit/step';
import { extract } from '../../electron/core/edit/surgery/extract';
import { addOutputs } from '../../electron/core/edit/surgery/outputs';
import { plugin } from '../../electron/core/edit/surgery/plugin';
import { remove } from '../../electron/core/edit/surgery/remove';
import { rename } from '../../electron/core/edit/surgery/rename';
import { upcast } from '../../electron/core/edit/upcast';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';
import { peakRssMB } from './open-decoders';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

async function main(): Promise<void> {
  const layers = arg('layers', 2500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-surgery-'));
  try {
    const file = path.join(dir, 'transformer.onnx');
    fs.writeFileSync(file, encodeModel(transformer(layers)));
    const t0 = performance.now();
    const a = await analyzeModel(file);
    const openMs = performance.now() - t0;
    const m = a.opened.model;
    const src = { path: a.opened.path, bytes: a.opened.bytes };
    const g = m.graph!;
    const mid = g.node[Math.floor(g.node.length / 2)]!;
    const softmax = g.node.find((n) => n.opType === 'Softmax')!;
    const parse = <K extends Edit['kind']>(e: unknown) => EditSchema.parse(e) as Extract<Edit, { kind: K }>;
    const edits: [string, () => EditStep][] = [
      ['remove (one Softmax)', () => remove(m, parse({ kind: 'remove', nodes: [softmax.name] }), src)],
      [
        'extract (inputs to outputs: walks every node)',
        () =>
          extract(
            m,
            parse({ kind: 'extract', inputs: g.input.map((v) => v.name), outputs: g.output.map((v) => v.name) }),
            src,
          ),
      ],
      [
        'addOutputs (a middle tensor)',
        () => addOutputs(m, parse({ kind: 'addOutputs', tensors: [mid.output[0]] }), src),
      ],
      [
        'rename (a middle tensor)',
        () => rename(m, parse({ kind: 'rename', what: 'tensor', from: mid.output[0], to: 'renamed' })),
      ],
      ['plugin (one node)', () => plugin(m, parse({ kind: 'plugin', nodes: [mid.name], op: 'MyPlugin' }), src)],
      ['dequantize (nothing to do)', () => dequantize(m, { kind: 'dequantize' }, src)],
      ['upcast (nothing to do)', () => upcast(m, { kind: 'upcast' }, src)],
    ];
    console.log(`transformer: ${g.node.length} nodes; open (read + IR + shapes) ${openMs.toFixed(0)} ms`);
    console.log('| edit | ms | × open |');
    console.log('|---|---|---|');
    for (const [name, run] of edits) {
      const t = performance.now();
      const step = run();
      const ms = performance.now() - t;
      if (!step.model.graph) throw new Error(`${name}: no graph`);
      console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / openMs).toFixed(2)} |`);
    }
    console.log(`peak RSS ${peakRssMB().toFixed(0)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
