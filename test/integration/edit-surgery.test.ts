/**
 * The lossy and structural edits as ONNX Runtime sees them: every result is proven loadable
 * (precision/verify-written.ts: types agree, ONNX Runtime loads it with optimizations off);
 * dequantized models — quantize_dynamic's and QOperator layouts, Kiln's own onnxruntime-flavour
 * Q/DQ, and onnxruntime's own INT8 baselines when /work/shared/baselines has them — run beside the
 * quantized original and stay close to it, and then pass TensorRT 10's check; the FP16-stored
 * MobileNetV3 upcast runs within FP16 rounding of the original; and INT8 of that FP16-stored model
 * quantizes its Convs (it upcasts first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EditSchema, type Edit } from '../../electron/shared/api/edits';
import { openSession } from '../../electron/core/backends/onnxruntime/session';
import { dequantize } from '../../electron/core/edit/dequantize';
import type { EditStep } from '../../electron/core/edit/step';
import { extract } from '../../electron/core/edit/surgery/extract';
import { addOutputs } from '../../electron/core/edit/surgery/outputs';
import { remove } from '../../electron/core/edit/surgery/remove';
import { rename } from '../../electron/core/edit/surgery/rename';
import { upcast } from '../../electron/core/edit/upcast';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import type { ModelProto } from '../../electron/core/onnx/model';
import { openModelFile } from '../../electron/core/onnx/open';
import type { TensorSource } from '../../electron/core/onnx/values';
import { writeModelFile } from '../../electron/core/onnx/write';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { proveLoadable } from '../../electron/core/precision/verify-written';
import { checkModel } from '../../electron/core/trt/check';
import { encodeModel } from '../../electron/core/onnx/encode';
import { dynamicQuantized, qgemmQuantized, qoperatorQuantized, contribMatMulQuantized } from '../builders/quantized';
import { SAMPLE_CLASSIFIER, uint8QdqClassifier } from '../builders/qdq';
import { cosine, seededInput, suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-edit-');
const ZOO = path.resolve(__dirname, '../fixtures/zoo');
const BASELINES = '/work/shared/baselines';
const edit = <K extends Edit['kind']>(e: unknown) => EditSchema.parse(e) as Extract<Edit, { kind: K }>;

/** Writes an edit's result beside the suite and proves ONNX Runtime loads it; returns the file. */
async function written(name: string, step: EditStep, src?: TensorSource): Promise<string> {
  const file = path.join(tmp, name);
  writeModelFile(step.model, file, src?.bytes ? { source: src.bytes } : {});
  await proveLoadable(file, step.summary, name);
  return file;
}

function save(name: string, m: ModelProto): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeModel(m));
  return file;
}

/** Every output of `file` on seeded float inputs of these shapes (optimizations off). */
async function outputs(
  file: string,
  shapes: Record<string, number[]>,
  seed = 7,
): Promise<Record<string, Float32Array>> {
  const s = await openSession(file, { optimization: 'disabled', quiet: true });
  try {
    const feeds = Object.fromEntries(
      Object.entries(shapes).map(([k, dims], i) => [k, new ort.Tensor('float32', seededInput(dims, seed + i), dims)]),
    );
    const r = await s.run(feeds);
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]));
  } finally {
    await s.release();
  }
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const DEQ = { kind: 'dequantize' } as const;

/** The dequantized model's outputs against the quantized original's on four seeded inputs. */
async function closeness(quantized: string, dequantized: string, shapes: Record<string, number[]>) {
  let worst = 1;
  let sum = 0;
  let n = 0;
  let worstAbs = 0;
  let scale = 0;
  for (const seed of [1, 2, 3, 4]) {
    const q = await outputs(quantized, shapes, seed);
    const f = await outputs(dequantized, shapes, seed);
    for (const k of Object.keys(q)) {
      const c = cosine(q[k]!, f[k]!);
      worst = Math.min(worst, c);
      sum += c;
      n++;
      worstAbs = Math.max(worstAbs, maxAbs(q[k]!, f[k]!));
      for (const v of q[k]!) scale = Math.max(scale, Math.abs(v));
    }
  }
  return { cosine: worst, mean: sum / n, maxAbs: worstAbs, scale };
}

async function passesTrt10(file: string): Promise<string[]> {
  const r = checkModel(await analyzeModel(file), 10);
  return r.findings.filter((f) => f.status !== 'warning').map((f) => `${f.node}: ${f.reason}`);
}

describe('dequantize, measured with ONNX Runtime', () => {
  it('quantize_dynamic (ConvInteger, MatMulInteger): close to the quantized original, TensorRT 10 passes it', async () => {
    const q = save('dynamic.onnx', dynamicQuantized().model);
    const f = await written('dynamic.float.onnx', dequantize(dynamicQuantized().model, DEQ));
    const c = await closeness(q, f, { x: [1, 3, 8, 8] });
    expect(c.cosine).toBeGreaterThan(0.999);
    expect(c.maxAbs).toBeLessThan(0.05 * c.scale);
    expect(await passesTrt10(f)).toEqual([]);
  });

  it('QOperator (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd / GlobalAveragePool): close, passes', async () => {
    const q = save('qop.onnx', qoperatorQuantized().model);
    const f = await written('qop.float.onnx', dequantize(qoperatorQuantized().model, DEQ));
    const c = await closeness(q, f, { x: [1, 3, 8, 8] });
    expect(c.cosine).toBeGreaterThan(0.99);
    expect(c.maxAbs).toBeLessThan(0.1 * c.scale);
    expect(await passesTrt10(f)).toEqual([]);
  });

  it.each([
    ['a quantized output', false],
    ['a float output', true],
  ])('com.microsoft QGemm with %s (alpha 0.5): a float Gemm, close', async (_, floatOutput) => {
    const q = save(`qgemm-${floatOutput}.onnx`, qgemmQuantized(floatOutput));
    const step = dequantize(qgemmQuantized(floatOutput), DEQ);
    expect(step.model.graph!.node.map((n) => n.opType)).toEqual(['Gemm']);
    const f = await written(`qgemm-${floatOutput}.float.onnx`, step);
    const c = await closeness(q, f, { x: [2, 6] });
    expect(c.cosine).toBeGreaterThan(0.999);
    expect(c.maxAbs).toBeLessThan(0.03 * c.scale);
  });

  it('com.microsoft DynamicQuantizeMatMul and MatMulIntegerToFloat (onnxruntime-optimized quantize_dynamic): float MatMul + bias, close, passes', async () => {
    const q = save('contrib-matmul.onnx', contribMatMulQuantized());
    const step = dequantize(contribMatMulQuantized(), DEQ);
    expect(step.model.graph!.node.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'MatMul', 'Add']);
    expect(step.summary).toMatch(/DynamicQuantizeMatMul 1, MatMulIntegerToFloat 1; quantized nodes 3 → 0/);
    // Nothing reads com.microsoft any more: its opset import goes with the ops.
    expect(step.model.opsetImport.map((o) => o.domain)).toEqual(['']);
    const f = await written('contrib-matmul.float.onnx', step);
    const c = await closeness(q, f, { x: [2, 8] });
    expect(c.cosine).toBeGreaterThan(0.999);
    expect(c.maxAbs).toBeLessThan(0.03 * c.scale);
    expect(await passesTrt10(f)).toEqual([]);
  });

  it("Kiln's own TensorRT-flavour Q/DQ (symmetric INT8) of the classifier: float again, no Clips added, close", async () => {
    const q = path.join(tmp, 'cls.trt-qdq.onnx');
    await quantizeInt8(SAMPLE_CLASSIFIER, q, {
      data: { kind: 'random', samples: 2, seed: 1, shapes: { x: [1, 3, 48, 192] } },
      calibrator: 'max',
      flavour: 'tensorrt',
    });
    const opened = await openModelFile(q);
    const src = { path: opened.path, bytes: opened.bytes };
    const step = dequantize(opened.model, DEQ, src);
    const ops = step.model.graph!.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear' || o === 'DequantizeLinear')).toEqual([]);
    expect(ops.filter((o) => o === 'Clip').length).toBe(
      opened.model.graph!.node.filter((n) => n.opType === 'Clip').length,
    );
    const f = await written('cls.trt-qdq.float.onnx', step, src);
    const c = await closeness(q, f, { x: [1, 3, 48, 192] });
    expect(c.mean).toBeGreaterThan(0.98);
  });

  it("Kiln's own onnxruntime-flavour Q/DQ classifier (UINT8, zero points): float again, close, passes", async () => {
    const q = await uint8QdqClassifier(path.join(tmp, 'cls.qdq.onnx'));
    expect((await passesTrt10(q)).length).toBeGreaterThan(0);
    const opened = await openModelFile(q);
    const src = { path: opened.path, bytes: opened.bytes };
    const step = dequantize(opened.model, DEQ, src);
    expect(step.model.graph!.node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear')).toBe(
      false,
    );
    const f = await written('cls.float.onnx', step, src);
    const c = await closeness(q, f, { x: [1, 3, 48, 192] });
    expect(c.cosine).toBeGreaterThan(0.99);
    expect(await passesTrt10(f)).toEqual([]);
  });

  // onnxruntime's INT8 is itself far from FP32 on noise (cosine 0.89 to 0.99 per sample for the
  // classifier's two-class softmax): the dequantized model is judged against that distance.
  const baselines: [string, number[], string | null][] = [
    ['ch_ppocr_mobile_v2.0_cls_infer.ort_minmax_qdq.onnx', [1, 3, 48, 192], SAMPLE_CLASSIFIER],
    ['ch_PP-OCRv4_rec_infer.ort_entropy_qdq.onnx', [1, 3, 48, 320], null],
  ];
  it.each(baselines)("onnxruntime's own INT8 %s (skipped when the baselines are absent)", async (file, shape, fp32) => {
    const q = path.join(BASELINES, file);
    if (!fs.existsSync(q)) return;
    const opened = await openModelFile(q);
    const src = { path: opened.path, bytes: opened.bytes };
    const step = dequantize(opened.model, DEQ, src);
    // The Relu and Clip(0, 6) the quantizer folded into its ranges come back as Clips.
    expect(step.model.graph!.node.filter((n) => n.opType === 'Clip').length).toBeGreaterThan(0);
    const f = await written(`${file}.float.onnx`, step, src);
    expect(await passesTrt10(f)).toEqual([]);
    const c = await closeness(q, f, { x: shape });
    expect(c.mean).toBeGreaterThan(0.95);
    if (fp32) {
      // Nearer the FP32 model the quantized one came from than the quantized model is.
      const toQuantized = await closeness(fp32, q, { x: shape });
      const toDequantized = await closeness(fp32, f, { x: shape });
      expect(toDequantized.mean).toBeGreaterThan(toQuantized.mean - 0.005);
    }
  });
});

describe('upcast and INT8 of an FP16-stored model', () => {
  it('mobilenetv3-fp16 upcast loads and runs within FP16 rounding of the original', async () => {
    const orig = path.join(ZOO, 'mobilenetv3-fp16.onnx');
    const opened = await openModelFile(orig);
    const src = { path: opened.path, bytes: opened.bytes };
    const f = await written('mnv3.fp32.onnx', upcast(opened.model, { kind: 'upcast' }, src), src);
    const shapes = { input: [1, 3, 64, 64] };
    const a = await outputs(orig, shapes);
    const b = await outputs(f, shapes);
    expect(cosine(a.logits!, b.logits!)).toBeGreaterThan(0.9999);
    expect(maxAbs(a.logits!, b.logits!)).toBeLessThan(1e-2 * Math.max(...Array.from(a.logits!, Math.abs)));
  });

  // vit-tiny's classifier head is zero-initialized (torchvision): its logits say nothing, so it is
  // checked for structure with float16 I/O only.
  it.each([
    ['unet-tiny.onnx', true, { image: [1, 3, 64, 64] }],
    ['kws-lstm-gru.onnx', true, { features: [1, 50, 40] }],
    ['vit-tiny.onnx', false, {}],
  ] as [string, boolean, Record<string, number[]>][])(
    "Kiln's own FP16 autocast of %s (float32 I/O kept: %s) upcast back: no float16 left, FP32's outputs within FP16 rounding",
    async (file, keepIO, shapes) => {
      const fp32 = path.join(ZOO, file);
      const a = await analyzeModel(fp32);
      autocastFp16(a, { keepIOTypes: keepIO });
      const half = path.join(tmp, `${file}.${keepIO}.fp16.onnx`);
      writeModelFile(a.opened.model, half, { source: a.opened.bytes });
      const opened = await openModelFile(half);
      const src = { path: opened.path, bytes: opened.bytes };
      const step = upcast(opened.model, { kind: 'upcast' }, src);
      expect(step.summary).toMatch(/^upcast float16 to float32: \d+ weights/);
      const g = step.model.graph!;
      expect(g.initializer.filter((t) => t.dataType === 10)).toEqual([]);
      // Only the Casts that keep a float16 interface still make float16.
      const halfCasts = g.node.filter(
        (n) => n.opType === 'Cast' && n.attribute.some((x) => x.name === 'to' && x.i === 10),
      );
      expect(halfCasts.length).toBe(keepIO ? 0 : g.output.length);
      const f = await written(`${file}.${keepIO}.upcast.onnx`, step, src);
      if (!keepIO) return; // float16 inputs: the structure is what this case checks
      const x = await outputs(fp32, shapes);
      const y = await outputs(f, shapes);
      for (const k of Object.keys(x)) expect(cosine(x[k]!, y[k]!)).toBeGreaterThan(0.99999);
    },
  );

  it('INT8 of mobilenetv3-fp16 quantizes its Convs (upcast first, said in the notes)', async () => {
    const out = path.join(tmp, 'mnv3.int8.onnx');
    const r = await quantizeInt8(path.join(ZOO, 'mobilenetv3-fp16.onnx'), out, {
      data: { kind: 'random', samples: 2, seed: 1, shapes: { input: [1, 3, 64, 64] } },
      calibrator: 'max',
      flavour: 'tensorrt',
    });
    expect(r.notes.some((n) => n.startsWith('no node was quantized'))).toBe(false);
    expect(r.notes.some((n) => /upcast to float32 before quantizing/.test(n))).toBe(true);
    const convs = r.quantizedNodes.filter((n) => /conv|Conv/.test(n));
    expect(convs.length).toBeGreaterThan(40);
    await proveLoadable(out, 'INT8 of an FP16-stored model', 'mnv3.int8.onnx');
  });
});

describe('across the zoo: float models left alone by dequantize and upcast, surgery results load', () => {
  const ZOO_MODELS = fs.readdirSync(ZOO).filter((f) => f.endsWith('.onnx'));
  it.each(ZOO_MODELS)('%s', async (file) => {
    const opened = await openModelFile(path.join(ZOO, file));
    const src = { path: opened.path, bytes: opened.bytes };
    const g = opened.model.graph!;
    // The one already-quantized export: its 4-bit MatMulNBits go to float; the float models are left alone.
    expect(dequantize(opened.model, DEQ, src).summary).toMatch(
      file === 'vit-nbits.onnx' ? /MatMulNBits \(4-bit\) 6; quantized nodes 6 → 0/ : /nothing to dequantize/,
    );
    const up = upcast(opened.model, { kind: 'upcast' }, src);
    if (file !== 'mobilenetv3-fp16.onnx') expect(up.summary).toMatch(/nothing to upcast/);
    // A tensor from the middle of the graph as an extra output, and the first input renamed.
    const mid = g.node[Math.floor(g.node.length / 2)]!.output[0]!;
    const withOutput = addOutputs(opened.model, edit<'addOutputs'>({ kind: 'addOutputs', tensors: [mid] }), src);
    const renamed = rename(
      withOutput.model,
      edit<'rename'>({ kind: 'rename', what: 'tensor', from: g.input[0]!.name, to: 'renamed_input' }),
    );
    const out = await written(`${file}.edited.onnx`, renamed, src);
    const s = await openSession(out, { optimization: 'disabled', quiet: true });
    expect(s.inputNames).toContain('renamed_input');
    expect(s.outputNames).toContain(mid);
    await s.release();
  });
});

describe('surgery results load in ONNX Runtime', () => {
  it('remove (vit-tiny, a Gelu Erf bypassed), extract (unet encoder), rename (kws input), outputs (bert)', async () => {
    const vit = await openModelFile(path.join(ZOO, 'vit-tiny.onnx'));
    const vsrc = { path: vit.path, bytes: vit.bytes };
    const erf = vit.model.graph!.node.find((n) => n.opType === 'Erf')!;
    await written(
      'vit.removed.onnx',
      remove(vit.model, edit<'remove'>({ kind: 'remove', nodes: [erf.name] }), vsrc),
      vsrc,
    );

    const unet = await openModelFile(path.join(ZOO, 'unet-tiny.onnx'));
    const usrc = { path: unet.path, bytes: unet.bytes };
    const up = unet.model.graph!.node.find((n) => n.opType === 'ConvTranspose')!;
    const enc = path.join(tmp, 'unet.encoder.onnx');
    const step = extract(
      unet.model,
      edit<'extract'>({ kind: 'extract', inputs: ['image'], outputs: [up.input[0]!] }),
      usrc,
    );
    writeModelFile(step.model, enc, { source: unet.bytes });
    await proveLoadable(enc, 'extract', 'unet.encoder.onnx');
    const got = await outputs(enc, { image: [1, 3, 64, 64] });
    expect(Object.keys(got)).toEqual([up.input[0]]);

    const kws = await openModelFile(path.join(ZOO, 'kws-lstm-gru.onnx'));
    const ksrc = { path: kws.path, bytes: kws.bytes };
    const input = kws.model.graph!.input[0]!.name;
    const renamed = await written(
      'kws.renamed.onnx',
      rename(kws.model, edit<'rename'>({ kind: 'rename', what: 'tensor', from: input, to: 'mfcc' })),
      ksrc,
    );
    const a = await outputs(path.join(ZOO, 'kws-lstm-gru.onnx'), { [input]: [1, 50, 40] });
    const b = await outputs(renamed, { mfcc: [1, 50, 40] });
    for (const k of Object.keys(a)) expect(b[k]).toEqual(a[k]);

    const unetOut = await written(
      'unet.outputs.onnx',
      addOutputs(unet.model, edit<'addOutputs'>({ kind: 'addOutputs', tensors: [up.input[0]!] }), usrc),
      usrc,
    );
    const both = await outputs(unetOut, { image: [1, 3, 64, 64] });
    expect(both[up.input[0]!]).toEqual(got[up.input[0]!]);
  });
});
