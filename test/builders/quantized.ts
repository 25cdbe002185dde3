/**
 * Quantized models laid out the way onnxruntime's Python quantizer writes them, built by hand
 * because Debian's python3 has no onnxruntime here: quantize_dynamic's ConvInteger / MatMulInteger
 * (DynamicQuantizeLinear on the input, integer weights, the int32 result Cast to float and
 * multiplied by input scale × weight scale, the bias added after), and quantize_static's QOperator
 * format (QuantizeLinear at the input, QLinearConv with per-channel INT8 weights and INT32 bias,
 * com.microsoft QLinearAdd / QLinearGlobalAveragePool, QLinearMatMul, DequantizeLinear at the end),
 * and onnxruntime-genai's MatMulNBits (blocked 2/4/8-bit LLM weights). Weights are seeded; the float weights they were quantized from come back with them, so a test can
 * say what dequantizing must give.
 */
import { halfBitsToNumber, toHalfBits, toHalfBytes } from '../../electron/core/onnx/half';
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats, seeded } from './graph';

/** Per-output-channel symmetric INT8 (axis 0), as onnxruntime quantizes Conv weights per channel. */
export function int8PerChannel(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[c * per + i] as number));
    const s = m / 127 || 1;
    scales[c] = s;
    for (let i = 0; i < per; i++) q[c * per + i] = Math.round((w[c * per + i] as number) / s);
  }
  return { q, scales };
}

/** Asymmetric UINT8 per tensor: (q, scale, zero point). */
export function uint8PerTensor(w: Float32Array): { q: Uint8Array; scale: number; zp: number } {
  let lo = 0;
  let hi = 0;
  for (const v of w) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = (hi - lo) / 255 || 1;
  const zp = Math.round(-lo / scale);
  return { q: Uint8Array.from(w, (v) => Math.max(0, Math.min(255, Math.round(v / scale) + zp))), scale, zp };
}

/**
 * What quantize_dynamic writes for x [1, 3, 8, 8] → Conv 3×3 (8 channels, bias) → Relu → Flatten →
 * MatMul (512 → 10) + bias: ConvInteger with UINT8 weights and a zero point, MatMulInteger with
 * INT8 weights per column.
 */
export function dynamicQuantized(): { model: ModelProto; convWeights: Float32Array; matmulWeights: Float32Array } {
  const rand = seeded(11);
  const b = new GraphBuilder('dynamic_quantized');
  const x = b.input('x', DT.float32, [1, 3, 8, 8]);
  const convWeights = randomFloats(rand, 8 * 3 * 9, 0.3);
  const cw = uint8PerTensor(convWeights);
  b.init('conv.weight_quantized', DT.uint8, [8, 3, 3, 3], cw.q);
  b.init('conv.weight_scale', DT.float32, [], [cw.scale]);
  b.init('conv.weight_zero_point', DT.uint8, [], [cw.zp]);
  b.init('conv.bias_reshaped', DT.float32, [1, 8, 1, 1], randomFloats(rand, 8, 0.1));
  b.node('DynamicQuantizeLinear', [x], {
    name: 'x_QuantizeLinear',
    outputs: ['x_quantized', 'x_scale', 'x_zero_point'],
  });
  b.node('ConvInteger', ['x_quantized', 'conv.weight_quantized', 'x_zero_point', 'conv.weight_zero_point'], {
    name: '/conv/Conv_quant',
    outputs: ['conv_output_quantized'],
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] },
  });
  b.node('Cast', ['conv_output_quantized'], { name: '/conv/Conv_cast', outputs: ['conv_cast'], attrs: { to: 1 } });
  b.node('Mul', ['x_scale', 'conv.weight_scale'], { name: '/conv/Conv_scales_mul', outputs: ['conv_scales'] });
  b.node('Mul', ['conv_cast', 'conv_scales'], { name: '/conv/Conv_output_scale_mul', outputs: ['conv_out'] });
  b.node('Add', ['conv_out', 'conv.bias_reshaped'], { name: '/conv/Add', outputs: ['conv_biased'] });
  b.node('Relu', ['conv_biased'], { name: '/relu/Relu', outputs: ['relu'] });
  b.node('Flatten', ['relu'], { name: '/Flatten', outputs: ['flat'], attrs: { axis: 1 } });
  const matmulWeights = randomFloats(rand, 512 * 10, 0.05);
  // INT8 per column: the scale and zero point run along the last axis.
  const cols = new Float32Array(10);
  const q = new Int8Array(512 * 10);
  for (let n = 0; n < 10; n++) {
    let m = 0;
    for (let k = 0; k < 512; k++) m = Math.max(m, Math.abs(matmulWeights[k * 10 + n] as number));
    cols[n] = m / 127;
    for (let k = 0; k < 512; k++)
      q[k * 10 + n] = Math.round((matmulWeights[k * 10 + n] as number) / (cols[n] as number));
  }
  b.init('fc.weight_quantized', DT.int8, [512, 10], q);
  b.init('fc.weight_scale', DT.float32, [10], cols);
  b.init('fc.weight_zero_point', DT.int8, [10], new Array(10).fill(0));
  b.init('fc.bias', DT.float32, [10], randomFloats(rand, 10, 0.1));
  b.node('DynamicQuantizeLinear', ['flat'], {
    name: 'flat_QuantizeLinear',
    outputs: ['flat_quantized', 'flat_scale', 'flat_zero_point'],
  });
  b.node('MatMulInteger', ['flat_quantized', 'fc.weight_quantized', 'flat_zero_point', 'fc.weight_zero_point'], {
    name: '/fc/MatMul_quant',
    outputs: ['fc_quantized'],
  });
  b.node('Cast', ['fc_quantized'], { name: '/fc/MatMul_cast', outputs: ['fc_cast'], attrs: { to: 1 } });
  b.node('Mul', ['flat_scale', 'fc.weight_scale'], { name: '/fc/MatMul_scales_mul', outputs: ['fc_scales'] });
  b.node('Mul', ['fc_cast', 'fc_scales'], { name: '/fc/MatMul_output_scale_mul', outputs: ['fc_out'] });
  b.node('Add', ['fc_out', 'fc.bias'], { name: '/fc/Add', outputs: ['logits'] });
  b.output('logits', DT.float32, [1, 10]);
  return { model: model(b.graph(), { opset: 13 }), convWeights, matmulWeights };
}

/**
 * What quantize_static writes in its QOperator format for x [1, 3, 8, 8] → Conv → Conv, their sum
 * (QLinearAdd), GlobalAveragePool, Flatten, MatMul: UINT8 activations with zero point 128, INT8
 * per-channel Conv weights, INT32 biases, com.microsoft contrib ops between.
 */
export function qoperatorQuantized(): { model: ModelProto; biases: Record<string, Float32Array> } {
  const rand = seeded(12);
  const b = new GraphBuilder('qoperator_quantized');
  const biases: Record<string, Float32Array> = {};
  b.input('x', DT.float32, [1, 3, 8, 8]);
  // Activation ranges generous enough for seeded inputs in [-1, 1): [-4, 4) in 255 steps.
  const act = (name: string, range: number) => {
    b.init(`${name}_scale`, DT.float32, [], [(2 * range) / 255]);
    b.init(`${name}_zero_point`, DT.uint8, [], [128]);
    return [`${name}_scale`, `${name}_zero_point`] as const;
  };
  const [xs, xz] = act('x', 1);
  b.node('QuantizeLinear', ['x', xs, xz], { name: 'x_QuantizeLinear', outputs: ['x_quantized'] });
  const conv = (name: string, input: string, cin: number, inScale: number, outRange: number) => {
    const w = randomFloats(rand, 4 * cin * 9, 0.3);
    const { q, scales } = int8PerChannel(w, 4);
    b.init(`${name}.weight_quantized`, DT.int8, [4, cin, 3, 3], q);
    b.init(`${name}.weight_scale`, DT.float32, [4], scales);
    b.init(`${name}.weight_zero_point`, DT.int8, [4], [0, 0, 0, 0]);
    const bias = randomFloats(rand, 4, 0.1);
    biases[name] = bias;
    b.init(
      `${name}.bias_quantized`,
      DT.int32,
      [4],
      Array.from(bias, (v, c) => Math.round(v / (inScale * (scales[c] as number)))),
    );
    const [ys, yz] = act(name, outRange);
    const ws = [`${name}.weight_quantized`, `${name}.weight_scale`, `${name}.weight_zero_point`];
    return b.node(
      'QLinearConv',
      [
        input,
        `${input.replace('_quantized', '')}_scale`,
        `${input.replace('_quantized', '')}_zero_point`,
        ...ws,
        ys,
        yz,
        `${name}.bias_quantized`,
      ],
      {
        name: `/${name}/Conv_quant`,
        outputs: [`${name}_quantized`],
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      },
    );
  };
  conv('conv1', 'x_quantized', 3, 2 / 255, 4);
  conv('conv2', 'conv1_quantized', 4, 8 / 255, 4);
  const [ss, sz] = act('sum', 6);
  b.node(
    'QLinearAdd',
    [
      'conv1_quantized',
      'conv1_scale',
      'conv1_zero_point',
      'conv2_quantized',
      'conv2_scale',
      'conv2_zero_point',
      ss,
      sz,
    ],
    {
      name: '/Add_quant',
      outputs: ['sum_quantized'],
      domain: 'com.microsoft',
    },
  );
  const [ps, pz] = act('pool', 1);
  b.node('QLinearGlobalAveragePool', ['sum_quantized', ss, sz, ps, pz], {
    name: '/pool/GlobalAveragePool_quant',
    outputs: ['pool_quantized'],
    domain: 'com.microsoft',
    attrs: { channels_last: 0 },
  });
  b.node('DequantizeLinear', ['pool_quantized', ps, pz], { name: 'pool_DequantizeLinear', outputs: ['pool'] });
  b.node('Flatten', ['pool'], { name: '/Flatten', outputs: ['flat'], attrs: { axis: 1 } });
  b.node('QuantizeLinear', ['flat', ps, pz], { name: 'flat_QuantizeLinear', outputs: ['flat_quantized'] });
  const fw = randomFloats(rand, 4 * 3, 0.5);
  const { q, scales } = int8PerChannel(fw, 1);
  b.init('fc.weight_quantized', DT.int8, [4, 3], q);
  b.init('fc.weight_scale', DT.float32, [], scales);
  b.init('fc.weight_zero_point', DT.int8, [], [0]);
  const [ls, lz] = act('logits', 0.5);
  b.node(
    'QLinearMatMul',
    ['flat_quantized', ps, pz, 'fc.weight_quantized', 'fc.weight_scale', 'fc.weight_zero_point', ls, lz],
    {
      name: '/fc/MatMul_quant',
      outputs: ['logits_quantized'],
    },
  );
  b.node('DequantizeLinear', ['logits_quantized', ls, lz], { name: 'logits_DequantizeLinear', outputs: ['logits'] });
  b.output('logits', DT.float32, [1, 3]);
  const opsets = [
    { domain: '', version: 13 },
    { domain: 'com.microsoft', version: 1 },
  ];
  return { model: model(b.graph(), { opsets }), biases };
}

/**
 * onnxruntime's com.microsoft QGemm as quantize_static writes a Gemm: x [2, 6] quantized, B INT8
 * per output column (transB: B is [4, 6]), C INT32 with scale alpha × x's scale × B's scale (QGemm
 * has no beta), alpha 0.5 so a wrong bias scale shows. `floatOutput`: no output scale, float out.
 */
export function qgemmQuantized(floatOutput: boolean): ModelProto {
  const rand = seeded(13);
  const b = new GraphBuilder('qgemm');
  b.input('x', DT.float32, [2, 6]);
  const xs = 2 / 255;
  b.init('x_scale', DT.float32, [], [xs]);
  b.init('x_zero_point', DT.uint8, [], [128]);
  b.node('QuantizeLinear', ['x', 'x_scale', 'x_zero_point'], { name: 'x_QuantizeLinear', outputs: ['x_quantized'] });
  const w = randomFloats(rand, 24, 0.5);
  const { q, scales } = int8PerChannel(w, 4);
  b.init('B_quantized', DT.int8, [4, 6], q);
  b.init('B_scale', DT.float32, [4], scales);
  b.init('B_zero_point', DT.int8, [4], [0, 0, 0, 0]);
  const alpha = 0.5;
  const c = randomFloats(rand, 4, 0.5);
  b.init(
    'C_quantized',
    DT.int32,
    [4],
    Array.from(c, (v, i) => Math.round(v / (alpha * xs * (scales[i] as number)))),
  );
  const inputs = ['x_quantized', 'x_scale', 'x_zero_point', 'B_quantized', 'B_scale', 'B_zero_point', 'C_quantized'];
  if (!floatOutput) {
    b.init('y_scale', DT.float32, [], [4 / 255]);
    b.init('y_zero_point', DT.uint8, [], [128]);
    inputs.push('y_scale', 'y_zero_point');
  }
  b.node('QGemm', inputs, {
    name: '/fc/Gemm_quant',
    outputs: [floatOutput ? 'y' : 'y_quantized'],
    domain: 'com.microsoft',
    attrs: { alpha: { float: alpha }, transB: 1 },
  });
  if (!floatOutput)
    b.node('DequantizeLinear', ['y_quantized', 'y_scale', 'y_zero_point'], {
      name: 'y_DequantizeLinear',
      outputs: ['y'],
    });
  b.output('y', DT.float32, [2, 4]);
  return model(b.graph(), {
    opsets: [
      { domain: '', version: 13 },
      { domain: 'com.microsoft', version: 1 },
    ],
  });
}

/** Symmetric INT8 per column of a [K, N] weight (the last axis), as MatMul weights are quantized. */
function int8PerColumn(w: Float32Array, n: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  for (let i = 0; i < w.length; i++) scales[i % n] = Math.max(scales[i % n] as number, Math.abs(w[i] as number) / 127);
  const q = Int8Array.from(w, (v, i) => Math.round(v / (scales[i % n] as number)));
  return { q, scales };
}

/**
 * onnxruntime's transformer optimizer on a quantize_dynamic model: MatMulInteger becomes
 * com.microsoft DynamicQuantizeMatMul (float x in, INT8 weights per column, float bias) or
 * MatMulIntegerToFloat after a DynamicQuantizeLinear (UINT8 x, INT8 weights with one scale, float
 * bias). x [2, 8] → y1 and y2 [2, 4].
 */
export function contribMatMulQuantized(): ModelProto {
  const rand = seeded(17);
  const b = new GraphBuilder('contrib-matmul');
  b.input('x', DT.float32, [2, 8]);
  const w1 = int8PerColumn(randomFloats(rand, 32, 0.5), 4);
  b.init('fc1.weight_quantized', DT.int8, [8, 4], w1.q);
  b.init('fc1.weight_scale', DT.float32, [4], w1.scales);
  b.init('fc1.weight_zero_point', DT.int8, [4], [0, 0, 0, 0]);
  b.init('fc1.bias', DT.float32, [4], randomFloats(rand, 4, 0.5));
  b.node(
    'DynamicQuantizeMatMul',
    ['x', 'fc1.weight_quantized', 'fc1.weight_scale', 'fc1.weight_zero_point', 'fc1.bias'],
    {
      name: '/fc1/MatMul_quant',
      outputs: ['y1'],
      domain: 'com.microsoft',
    },
  );
  b.node('DynamicQuantizeLinear', ['x'], { name: 'x_DynamicQuantizeLinear', outputs: ['x_q', 'x_scale', 'x_zp'] });
  const w2 = randomFloats(rand, 32, 0.5);
  const s2 = Math.max(...Array.from(w2, Math.abs)) / 127;
  b.init(
    'fc2.weight_quantized',
    DT.int8,
    [8, 4],
    Int8Array.from(w2, (v) => Math.round(v / s2)),
  );
  b.init('fc2.weight_scale', DT.float32, [], [s2]);
  b.init('fc2.bias', DT.float32, [4], randomFloats(rand, 4, 0.5));
  b.node(
    'MatMulIntegerToFloat',
    ['x_q', 'fc2.weight_quantized', 'x_scale', 'fc2.weight_scale', 'x_zp', '', 'fc2.bias'],
    {
      name: '/fc2/MatMul_quant',
      outputs: ['y2'],
      domain: 'com.microsoft',
    },
  );
  b.output('y1', DT.float32, [2, 4]);
  b.output('y2', DT.float32, [2, 4]);
  return model(b.graph(), {
    opsets: [
      { domain: '', version: 13 },
      { domain: 'com.microsoft', version: 1 },
    ],
  });
}

/**
 * onnxruntime's com.microsoft MatMulNBits as onnxruntime-genai and Olive write an LLM's weights:
 * x [2, K] → y [2, N], the weights W [K, N] quantized per column in blocks of `blockSize` along K
 * (the last block padded when K is not a multiple), packed [N, blocks, blob] with value j of a block
 * at bit j × bits (low bits first); one scale per column and block; zero points packed the same way
 * per column when `zeroPoints` (asymmetric), else absent (the op's default 2^(bits − 1): symmetric).
 * `half`: A, scales and bias in float16. Returns the weights the op computes with.
 */
export function matMulNBitsQuantized(opts: {
  K: number;
  N: number;
  bits?: 2 | 4 | 8;
  blockSize?: number;
  zeroPoints?: boolean;
  bias?: boolean;
  half?: boolean;
  /** The default domain's opset (17; 21 lets a blocked INT4 DequantizeLinear replace it). */
  opset?: number;
}): { model: ModelProto; weights: Float32Array } {
  const { K, N } = opts;
  const bits = opts.bits ?? 4;
  const blockSize = opts.blockSize ?? 16;
  const rand = seeded(29);
  const w = randomFloats(rand, K * N, 0.5);
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpBytes = Math.ceil((blocks * bits) / 8);
  const top = (1 << bits) - 1;
  const packed = new Uint8Array(N * blocks * blob);
  const zps = new Uint8Array(N * zpBytes);
  const scales = new Float32Array(N * blocks);
  const computed = new Float32Array(K * N);
  const put = (bytes: Uint8Array, start: number, index: number, v: number) => {
    const bit = index * bits;
    bytes[start + (bit >> 3)]! |= v << (bit & 7);
  };
  for (let n = 0; n < N; n++)
    for (let b = 0; b < blocks; b++) {
      const ks = Array.from({ length: Math.min(blockSize, K - b * blockSize) }, (_, j) => b * blockSize + j);
      const vals = ks.map((k) => w[k * N + n]!);
      let scale: number;
      let zero: number;
      if (opts.zeroPoints) {
        const lo = Math.min(0, ...vals);
        const hi = Math.max(0, ...vals);
        scale = (hi - lo) / top || 1;
        zero = Math.round(-lo / scale);
      } else {
        scale = Math.max(...vals.map(Math.abs)) / (top >> 1) || 1;
        zero = 1 << (bits - 1);
      }
      // The scale as the file stores it: what dequantization multiplies by.
      if (opts.half) scale = halfBitsToNumber(toHalfBits(scale));
      else scale = Math.fround(scale);
      scales[n * blocks + b] = scale;
      if (opts.zeroPoints) put(zps, n * zpBytes, b, zero);
      ks.forEach((k, j) => {
        const q = Math.min(top, Math.max(0, Math.round(w[k * N + n]! / scale) + zero));
        put(packed, (n * blocks + b) * blob, j, q);
        computed[k * N + n] = (q - zero) * scale;
      });
    }
  const g = new GraphBuilder('matmul-nbits');
  const ft = opts.half ? DT.float16 : DT.float32;
  g.input('x', ft, [2, K]);
  g.init('proj.weight_packed', DT.uint8, [N, blocks, blob], packed);
  const halfInit = (name: string, dims: number[], v: Float32Array) =>
    g.initializers.push({
      name,
      dataType: DT.float16,
      dims,
      data: { kind: 'bytes', bytes: toHalfBytes(v) },
      externalData: [],
      docString: '',
    });
  if (opts.half) halfInit('proj.weight_scales', [N * blocks], scales);
  else g.init('proj.weight_scales', DT.float32, [N * blocks], scales);
  if (opts.zeroPoints) g.init('proj.weight_zero_points', DT.uint8, [N * zpBytes], zps);
  const bias = randomFloats(rand, N, 0.5);
  if (opts.bias) {
    if (opts.half) halfInit('proj.bias', [N], bias);
    else g.init('proj.bias', DT.float32, [N], bias);
  }
  g.node(
    'MatMulNBits',
    [
      'x',
      'proj.weight_packed',
      'proj.weight_scales',
      opts.zeroPoints ? 'proj.weight_zero_points' : '',
      ...(opts.bias ? ['', 'proj.bias'] : []),
    ],
    {
      name: '/model/layers.0/mlp/proj/MatMulNBits',
      outputs: ['y'],
      domain: 'com.microsoft',
      attrs: { K, N, bits, block_size: blockSize, accuracy_level: 0 },
    },
  );
  g.output('y', ft, [2, N]);
  const m = model(g.graph(), {
    opsets: [
      { domain: '', version: opts.opset ?? 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
  });
  return { model: m, weights: computed };
}
