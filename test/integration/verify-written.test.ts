/**
 * Every file Kiln writes is proven loadable before it is handed over (precision/verify-written.ts):
 * a writer whose file fails the type check or ONNX Runtime's load with optimizations off gets the
 * Kiln-bug error naming the node and the tensor, and nothing is left under the target's name or
 * beside it. And the FP16 autocast of PyTorch 2's attention (a Cast of a float to float, rewritten
 * to FP16) writes a file ONNX Runtime loads with optimizations off.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeSchema } from '../../electron/shared/api/variants';
import { variantPath } from '../../electron/platform/paths';
import { openSession } from '../../electron/core/backends/onnxruntime/session';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { makeVariant } from '../../electron/core/precision/variants';
import { writeProven } from '../../electron/core/precision/verify-written';
import { sdpaAttention } from '../builders/attention';
import { DT, GraphBuilder, model } from '../builders/graph';
import { suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-verify-');
const ctx = { signal: new AbortController().signal, progress: () => undefined };

async function loads(file: string): Promise<true> {
  const s = await openSession(file, { optimization: 'disabled', quiet: true });
  await s.release();
  return true;
}

describe('FP16 of PyTorch 2 attention', () => {
  it('the Cast of the scale becomes an Identity: ONNX Runtime loads the file with optimizations off', async () => {
    const src = path.join(tmp, 'sdpa.onnx');
    fs.writeFileSync(src, encodeModel(sdpaAttention({ valueInfo: true })));
    const a = await analyzeModel(src);
    autocastFp16(a);
    const out = path.join(tmp, 'sdpa.fp16.onnx');
    writeModelFile(a.opened.model, out, { source: a.opened.bytes });
    await expect(loads(out)).resolves.toBe(true);
    const nodes = a.opened.model.graph!.node;
    expect(nodes.find((n) => n.name === '/attn/Cast_1')?.opType).toBe('Identity');
    // The Cast of the shape to float stays a Cast, now to FP16 (its declaration gone with it).
    expect(nodes.find((n) => n.name === '/attn/Cast')?.attribute[0]?.i).toBe(DT.float16);
    expect(a.opened.model.graph!.valueInfo.some((v) => v.name === '/attn/Cast_output_0')).toBe(false);
  });

  it('as a variant: made, proven and handed over', async () => {
    const src = path.join(tmp, 'sdpa-variant.onnx');
    fs.writeFileSync(src, encodeModel(sdpaAttention({ valueInfo: true })));
    const v = await makeVariant(
      src,
      'sdpa.onnx',
      RecipeSchema.parse({ precision: 'fp16', calibrationSamples: 2, shapes: { x: [1, 4, 8] } }),
      ctx,
    );
    expect(v.nodesByPrecision.fp16).toBeGreaterThan(0);
    await expect(loads(variantPath(v.id))).resolves.toBe(true);
  });
});

describe('a file that is not proven is not handed over', () => {
  it('a declaration its node does not produce: the Kiln-bug error names both, nothing is left', async () => {
    const target = path.join(tmp, 'planted', 'x.fp16.onnx');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, 'the earlier, good file');
    const cache = `${target}.calib.cache`;
    const broken = sdpaAttention({ valueInfo: true });
    broken.graph!.node.find((n) => n.name === '/attn/Cast')!.attribute[0]!.i = DT.float16;
    const made = writeProven(
      target,
      'FP16 autocast',
      'x.fp16.onnx',
      async (t) => {
        fs.writeFileSync(t, encodeModel(broken));
        fs.writeFileSync(cache, 'written by this attempt');
      },
      [cache],
    );
    await expect(made).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(
        /^FP16 autocast wrote a model ONNX Runtime cannot load: \/attn\/Cast's output \/attn\/Cast_output_0 is declared float but produces float16; .* — this is a Kiln bug, please report it$/,
      ),
    });
    expect(fs.readdirSync(path.dirname(target))).toEqual(['x.fp16.onnx']);
    expect(fs.readFileSync(target, 'utf8')).toBe('the earlier, good file');
  });

  it("what only ONNX Runtime refuses: its reason, naming the file and never the temp file's folder", async () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2]);
    b.node('Unheard', [x], { name: 'custom', outputs: ['y'], domain: 'com.example' });
    b.output('y', DT.float32, [2]);
    const m = model(b.graph(), {
      opsets: [
        { domain: '', version: 17 },
        { domain: 'com.example', version: 1 },
      ],
    });
    const target = path.join(tmp, 'ort', 'y.int8.onnx');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const err = await writeProven(target, 'INT8 quantization', 'y.int8.onnx', async (t) => {
      fs.writeFileSync(t, encodeModel(m));
    }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'INTERNAL' });
    expect(err!.message).toMatch(/^INT8 quantization wrote a model ONNX Runtime cannot load: .*Unheard/);
    expect(err!.message).toMatch(/this is a Kiln bug, please report it$/);
    expect(err!.message).not.toContain(path.dirname(target));
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });
});
