/**
 * onnxruntime's com.microsoft MatMulNBits — how onnxruntime-genai and Olive store an LLM's weights
 * in 4 bits — which TensorRT cannot parse: the dequantize edit unpacks its blocks into a float
 * MatMul. ONNX Runtime's own kernel is the reference: the float model must give what the quantized
 * one gives (the weights are what the op computes with), for 4- and 8-bit weights, with and
 * without zero points and bias, K not a multiple of the block, float16 models, and 2-bit weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../electron/core/edit/dequantize';
import { planFix } from '../../electron/core/edit/fix';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { halfArrayToFloat32, toHalfBytes } from '../../electron/core/onnx/half';
import type { ModelProto } from '../../electron/core/onnx/model';
import { tensorValues } from '../../electron/core/onnx/values';
import { writeModelFile } from '../../electron/core/onnx/write';
import { openSession } from '../../electron/core/backends/onnxruntime/session';
import { proveLoadable } from '../../electron/core/precision/verify-written';
import { checkModel } from '../../electron/core/trt/check';
import { matMulNBitsQuantized } from '../builders/quantized';
import { runKiln, seededInput, suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-nbits-');
const DEQ = { kind: 'dequantize' } as const;

function save(name: string, m: ModelProto): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeModel(m));
  return file;
}

/** y for a seeded x [2, K], as float32 whatever the model's float type. */
async function run(file: string, K: number, half: boolean): Promise<Float32Array> {
  const x = seededInput([2, K], 3);
  const feed = half
    ? new ort.Tensor('float16', new Uint16Array(toHalfBytes(x).buffer), [2, K])
    : new ort.Tensor('float32', x, [2, K]);
  const s = await openSession(file, { optimization: 'disabled', quiet: true });
  try {
    const y = (await s.run({ x: feed })).y!;
    return half ? halfArrayToFloat32(y.data as Uint16Array) : Float32Array.from(y.data as Float32Array);
  } finally {
    await s.release();
  }
}

/**
 * Writes the edited model, proves ONNX Runtime loads it, and checks its outputs against the quantized
 * original's: the same products summed in another order, so float32 rounding (float16's where the
 * model is float16). Returns the written file.
 */
async function expectSameOutputs(
  quantized: string,
  step: { model: ModelProto; summary: string },
  name: string,
  c: { name: string; K: number; half?: boolean },
): Promise<string> {
  const f = path.join(tmp, name);
  writeModelFile(step.model, f);
  await proveLoadable(f, step.summary, name);
  const [y0, y1] = [await run(quantized, c.K, !!c.half), await run(f, c.K, !!c.half)];
  const scale = Math.max(...Array.from(y0, Math.abs));
  let worst = 0;
  for (let i = 0; i < y0.length; i++) worst = Math.max(worst, Math.abs(y0[i]! - y1[i]!));
  console.log(`${c.name}: max |Δ| ${worst.toExponential(2)} of outputs up to ${scale.toFixed(3)}`);
  expect(worst).toBeLessThanOrEqual((c.half ? 2e-3 : 1e-5) * scale);
  return f;
}

const CASES = [
  { name: '4-bit symmetric, bias, K = 40 (a padded last block)', K: 40, N: 24, bias: true },
  { name: '4-bit with zero points, blocks of 32', K: 64, N: 8, blockSize: 32, zeroPoints: true },
  { name: '8-bit with zero points', K: 32, N: 8, bits: 8 as const, zeroPoints: true, bias: true },
  { name: '4-bit float16 model', K: 32, N: 16, half: true, bias: true },
  { name: '2-bit with zero points', K: 64, N: 8, bits: 2 as const, zeroPoints: true },
];

describe('MatMulNBits dequantized to a float MatMul', () => {
  it.each(CASES)('$name: the float model gives what ONNX Runtime computes with the 4-bit one', async (c) => {
    const { model: m, weights } = matMulNBitsQuantized(c);
    const q = save(`nbits-${c.K}-${c.N}-${c.bits ?? 4}.onnx`, m);
    const step = dequantize(m, DEQ);
    expect(step.model.graph!.node.map((n) => n.opType)).toEqual(c.bias ? ['MatMul', 'Add'] : ['MatMul']);
    expect(step.model.opsetImport.map((o) => o.domain)).toEqual(['']);
    expect(step.summary).toMatch(new RegExp(`MatMulNBits \\(${c.bits ?? 4}-bit\\) 1; quantized nodes 1 → 0`));
    // The weights are exactly the values the op multiplies by, [K, N], in the model's float type.
    const g = step.model.graph!;
    const w = g.initializer.find((t) => t.name === g.node[0]!.input[1])!;
    expect(w.dims).toEqual([c.K, c.N]);
    expect(w.dataType).toBe(c.half ? 10 : 1);
    const values = Float32Array.from(tensorValues(w, { path: '' }));
    const expected = c.half ? halfArrayToFloat32(new Uint16Array(toHalfBytes(weights).buffer)) : weights;
    expect(values).toEqual(expected);

    await expectSameOutputs(q, step, `nbits-${c.K}-${c.N}-${c.bits ?? 4}.float.onnx`, c);
  });

  it('TensorRT 10 flags MatMulNBits with the way out, kiln fix plans the dequantize, and the float model passes', async () => {
    const { model: m } = matMulNBitsQuantized({ K: 40, N: 24, bias: true });
    const a = await analyzeModel(save('nbits-check.onnx', m));
    const report = checkModel(a, 10);
    const finding = report.findings.find((x) => x.status !== 'warning')!;
    expect(finding.suggestion).toMatch(/dequantize its packed weights to float \(exact.*--keep-int4/);
    expect(planFix(a, report, 10, {}).edits.map((e) => e.kind)).toContain('dequantize');
    const f = path.join(tmp, 'nbits-check.float.onnx');
    writeModelFile(dequantize(m, DEQ).model, f);
    const passed = checkModel(await analyzeModel(f), 10);
    expect(passed.findings.filter((x) => x.status !== 'warning')).toEqual([]);
  });

  it('accuracy_level 4 (ONNX Runtime quantizes the input to 8 bits too) is said in a note', () => {
    const { model: m } = matMulNBitsQuantized({ K: 32, N: 8 });
    m.graph!.node[0]!.attribute.find((x) => x.name === 'accuracy_level')!.i = 4;
    expect(dequantize(m, DEQ).notes.join('\n')).toMatch(
      /^1 MatMulNBits has accuracy_level 4: ONNX Runtime may run it with the input quantized to 8 bits too/m,
    );
    expect(dequantize(matMulNBitsQuantized({ K: 32, N: 8 }).model, DEQ).notes.join('\n')).not.toMatch(/accuracy_level/);
  });

  it('refuses by name what it cannot read: act-order (g_idx) and floating-point zero points', () => {
    const { model: m } = matMulNBitsQuantized({ K: 32, N: 8 });
    const node = m.graph!.node[0]!;
    node.input = [...node.input.slice(0, 3), '', 'g_idx'];
    expect(() => dequantize(m, DEQ)).toThrow(
      /MatMulNBits "\/model\/layers\.0\/mlp\/proj\/MatMulNBits" cannot be dequantized: it reorders K by g_idx/,
    );
    const { model: z } = matMulNBitsQuantized({ K: 32, N: 8, zeroPoints: true });
    const zp = z.graph!.initializer.find((t) => t.name === 'proj.weight_zero_points')!;
    z.graph!.initializer.push({
      ...zp,
      name: 'float_zp',
      dataType: 1,
      dims: [16],
      data: { kind: 'bytes', bytes: new Uint8Array(64) },
    });
    z.graph!.node[0]!.input[3] = 'float_zp';
    expect(() => dequantize(z, DEQ)).toThrow(/its zero points are floating point/);
  });
});

describe('MatMulNBits kept in INT4 (--keep-int4): a blocked INT4 DequantizeLinear, as TensorRT runs INT4 weight-only GEMMs', () => {
  const KEEP = { kind: 'dequantize', keepInt4: true } as const;

  it.each([
    { name: 'float32, K = 40 (a padded last block), bias', K: 40, N: 24, bias: true, opset: 21 },
    { name: 'float16', K: 32, N: 16, half: true, opset: 21 },
    { name: 'K × N odd (K = 33, N = 7: the last byte half used)', K: 33, N: 7, opset: 21 },
  ])('$name: INT4 weights [K, N], one scale per block, the outputs ONNX Runtime gives the 4-bit op', async (c) => {
    const { model: m } = matMulNBitsQuantized(c);
    const q = save(`int4-${c.K}.onnx`, m);
    const step = dequantize(m, KEEP);
    const g = step.model.graph!;
    expect(g.node.map((n) => n.opType)).toEqual(
      c.bias ? ['DequantizeLinear', 'MatMul', 'Add'] : ['DequantizeLinear', 'MatMul'],
    );
    expect(step.summary).toBe(
      'dequantized: MatMulNBits (4-bit, kept INT4) 1; quantized nodes 1 → 0 (and 1 INT4 weight DequantizeLinear kept)',
    );
    // Nothing went to float, so nothing claims the quantization error is gone. Not an exact edit all
    // the same: at an LLM's K the other order of the sums moves outputs past the exactness gate.
    expect(step.exact).toBe(false);
    expect(step.notes).toEqual([
      '1 MatMulNBits kept in INT4: a blocked DequantizeLinear (signed INT4, one scale per block) reads the same weights the op did, so outputs move only by the order of the sums',
    ]);
    const [w, s] = g.node[0]!.input.map((x) => g.initializer.find((t) => t.name === x)!);
    expect([w!.dataType, w!.dims]).toEqual([22, [c.K, c.N]]);
    expect(s!.dims).toEqual([Math.ceil(c.K / 16), c.N]);
    expect(g.node[0]!.attribute.map((a) => [a.name, a.i])).toEqual([
      ['axis', 0],
      ['block_size', 16],
    ]);
    // 4 bits a weight, as before: K × N / 2 bytes, not 4 × K × N.
    expect(w!.data.kind === 'bytes' && w!.data.bytes.length).toBe(Math.ceil((c.K * c.N) / 2));
    const f = await expectSameOutputs(q, step, `int4-${c.K}.kept.onnx`, { ...c, name: `INT4 kept, ${c.name}` });
    // TensorRT 10 takes it: INT4 DequantizeLinear with no zero point.
    const r = checkModel(await analyzeModel(f), 10);
    expect(r.findings.filter((x) => x.status !== 'warning')).toEqual([]);
  });

  it('zero points that are all 8 are symmetric: kept in INT4, exact', async () => {
    const { model: m } = matMulNBitsQuantized({ K: 48, N: 8, opset: 21 });
    // The same weights with the default zero point written out: 8 for every column and block.
    const blocks = 3;
    const zpBytes = Math.ceil(blocks / 2);
    const zp = new Uint8Array(8 * zpBytes);
    for (let col = 0; col < 8; col++)
      for (let b = 0; b < blocks; b++) zp[col * zpBytes + (b >> 1)]! |= 8 << ((b & 1) * 4);
    m.graph!.initializer.push({
      name: 'zp8',
      dataType: 2,
      dims: [zp.length],
      data: { kind: 'bytes', bytes: zp },
      externalData: [],
      docString: '',
    });
    m.graph!.node[0]!.input[3] = 'zp8';
    const q = save('int4-zp8.onnx', m);
    const step = dequantize(m, KEEP);
    expect(step.model.graph!.node.map((n) => n.opType)).toEqual(['DequantizeLinear', 'MatMul']);
    const f = path.join(tmp, 'int4-zp8.kept.onnx');
    writeModelFile(step.model, f);
    expect(await run(f, 48, false)).toEqual(await run(q, 48, false));
  });

  it('weights with zero points (asymmetric) go to float, and the edit says why', () => {
    const { model: m } = matMulNBitsQuantized({ K: 32, N: 8, zeroPoints: true, opset: 21 });
    const step = dequantize(m, KEEP);
    expect(step.model.graph!.node.map((n) => n.opType)).toEqual(['MatMul']);
    expect(step.notes.join('\n')).toMatch(
      /1 MatMulNBits went to float, not INT4: zero points other than 8 \(TensorRT’s INT4 takes none\) \(MatMulNBits "\/model/,
    );
    expect(step.exact).toBe(false);
  });

  it('kiln edit --opset 21 --dequantize --keep-int4: the opset raised, the weights kept in INT4; --keep-int4 alone is a usage error', () => {
    const src = save('cli-nbits.onnx', matMulNBitsQuantized({ K: 32, N: 16, bias: true }).model);
    const out = path.join(tmp, 'cli-nbits.int4.onnx');
    const r = runKiln(
      ['edit', src, '--opset', '21', '--dequantize', '--keep-int4', '--trt', '10', '-o', out, '--json'],
      {
        timeout: 120_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(JSON.stringify(report)).toMatch(/MatMulNBits \(4-bit, kept INT4\) 1/);
    expect(fs.existsSync(out)).toBe(true);
    const alone = runKiln(['edit', src, '--keep-int4', '-o', path.join(tmp, 'x.onnx')], { timeout: 60_000 });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--keep-int4 goes with --dequantize/);
    expect(fs.existsSync(path.join(tmp, 'x.onnx'))).toBe(false);
  });

  it("on the zoo's vit-nbits (made by onnxruntime's own MatMulNBitsQuantizer): dequantized or kept INT4, the outputs stay, TensorRT 10's check passes", () => {
    const zoo = path.resolve(__dirname, '../fixtures/zoo/vit-nbits.onnx');
    for (const [args, summary] of [
      [['--dequantize'], /MatMulNBits \(4-bit\) 6; quantized nodes 6 → 0/],
      [['--opset', '21', '--dequantize', '--keep-int4'], /MatMulNBits \(4-bit, kept INT4\) 6/],
    ] as const) {
      const out = path.join(tmp, `zoo-nbits-${args.length}.onnx`);
      const r = runKiln(['edit', zoo, ...args, '--trt', '10', '-o', out, '--json'], { timeout: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.stringify(JSON.parse(r.stdout));
      expect(report).toMatch(summary);
      // Beside the original on seeded inputs: the same logits.
      expect(report).toMatch(/"cosine":1[,}]/);
    }
  });

  it("at an LLM's K (8192) the other order of the sums moves outputs past the exactness gate: still written, not refused", () => {
    const src = save('nbits-k8192.onnx', matMulNBitsQuantized({ K: 8192, N: 256, opset: 21 }).model);
    const out = path.join(tmp, 'nbits-k8192.int4.onnx');
    const r = runKiln(['edit', src, '--dequantize', '--keep-int4', '-o', out, '--json'], { timeout: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(out)).toBe(true);
  });

  it('below opset 21 it is refused, saying what to do — unless nothing would stay INT4', () => {
    expect(dequantize(matMulNBitsQuantized({ K: 32, N: 8, bits: 8 }).model, KEEP).model.graph!.node[0]!.opType).toBe(
      'MatMul',
    );
    const { model: m } = matMulNBitsQuantized({ K: 32, N: 8 });
    expect(() => dequantize(m, KEEP)).toThrow(
      /opset 21 brought; the model is opset 17: raise it first \(kiln edit --opset 21/,
    );
  });
});
