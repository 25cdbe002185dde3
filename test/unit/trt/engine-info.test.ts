// TensorRT layer information, trtexec profiles and times: both schemas, layer-name parsing, mapping
// back to ONNX nodes, and every kind of bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { normalizeDtype } from '../../../electron/core/trt/engine-files/data-types';
import { parseEngineJsonText } from '../../../electron/core/trt/engine-files/detect';
import { parseLayerInfo } from '../../../electron/core/trt/engine-files/layer-info';
import { parseLayerName, parseMetadata } from '../../../electron/core/trt/engine-files/layer-names';
import { mapToOnnx } from '../../../electron/core/trt/engine-files/onnx-mapping';
import { parseProfile } from '../../../electron/core/trt/engine-files/profile';
import { parseTimes } from '../../../electron/core/trt/engine-files/times';
import type {
  EngineJson,
  EngineLayerInfo,
  EngineProfile,
  EngineTimes,
} from '../../../electron/core/trt/engine-files/types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'trtexec');
const text = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const json = (name: string): unknown => JSON.parse(text(name));

function asLayerInfo(r: EngineJson): EngineLayerInfo {
  if (r.kind !== 'layer-info') throw new Error(`expected layer-info, got ${r.kind}`);
  return r;
}
function asProfile(r: EngineJson): EngineProfile {
  if (r.kind !== 'profile') throw new Error(`expected profile, got ${r.kind}`);
  return r;
}
function asTimes(r: EngineJson): EngineTimes {
  if (r.kind !== 'times') throw new Error(`expected times, got ${r.kind}`);
  return r;
}
function thrown(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

/** The ONNX graph the fixtures were "built" from, in node list (topological) order. */
const ONNX_NODES = [
  '/conv1/Conv', // 0
  '/bn1/BatchNormalization',
  '/relu/Relu',
  '/maxpool/MaxPool',
  '/layer1/layer1.0/conv1/Conv',
  '/layer1/layer1.0/relu/Relu', // 5
  '/layer1/layer1.0/conv2/Conv',
  '/layer1/layer1.0/Add',
  '/layer1/layer1.0/relu_1/Relu',
  '/layer2/layer2.0/conv1/Conv',
  '/layer2/layer2.0/act/Sigmoid', // 10
  '/layer2/layer2.0/act/Mul',
  '/layer2/layer2.0/conv2/Conv',
  '/avgpool/GlobalAveragePool',
  '/Flatten',
  '/fc/Gemm', // 15
  '/head/Mul',
  '/head/Add',
  '/Softmax',
];

describe('parseLayerName', () => {
  it('splits vertical and horizontal fusions', () => {
    expect(parseLayerName('Conv_0 + Relu_1').names).toEqual(['Conv_0', 'Relu_1']);
    expect(parseLayerName('Conv_5 + Add_6 + Relu_7').names).toEqual(['Conv_5', 'Add_6', 'Relu_7']);
    expect(parseLayerName('Conv_68 || Conv_72').names).toEqual(['Conv_68', 'Conv_72']);
    expect(parseLayerName('/model.0/conv/Conv').names).toEqual(['/model.0/conv/Conv']);
  });

  it('takes the inner names of point-wise fusions, however nested', () => {
    const p = parseLayerName('PWN(PWN(Sigmoid_3), Mul_4)');
    expect(p.names).toEqual(['Sigmoid_3', 'Mul_4']);
    expect(p.pointwise).toBe(true);
    expect(parseLayerName('Conv_531 + PWN(LeakyRelu_532)').names).toEqual(['Conv_531', 'LeakyRelu_532']);
    expect(
      parseLayerName(
        'PWN(PWN(PWN(PWN(Softplus_1), PWN(Tanh_2)), Mul_3), onnx::Add_7 + (Unnamed Layer* 5) [Shuffle] + Add_5)',
      ).names,
    ).toEqual(['Softplus_1', 'Tanh_2', 'Mul_3', 'onnx::Add_7', '(Unnamed Layer* 5) [Shuffle]', 'Add_5']);
  });

  it('keeps bracketed TensorRT names whole', () => {
    expect(
      parseLayerName(
        'fc.weight + QuantizeLinear_7 + (Unnamed Layer* 360) [Shuffle]_(Unnamed Layer* 360) [Shuffle]_output',
      ).names,
    ).toEqual([
      'fc.weight',
      'QuantizeLinear_7',
      '(Unnamed Layer* 360) [Shuffle]_(Unnamed Layer* 360) [Shuffle]_output',
    ]);
  });

  it('reads a ForeignNode as a range of its first and last node', () => {
    const p = parseLayerName('{ForeignNode[/a/Conv.../b/Add]}');
    expect(p.foreign).toBe(true);
    expect(p.ranges).toEqual([{ first: '/a/Conv', last: '/b/Add' }]);
    expect(p.names).toEqual(['/a/Conv', '/b/Add']);
    // dots inside names do not confuse the split; one node is a range of one
    expect(parseLayerName('{ForeignNode[/model.10/Split_16.../model.10/m.0/Add]}').ranges).toEqual([
      { first: '/model.10/Split_16', last: '/model.10/m.0/Add' },
    ]);
    expect(parseLayerName('{ForeignNode[(Unnamed Layer* 0) [ElementWise]]}').ranges).toEqual([
      { first: '(Unnamed Layer* 0) [ElementWise]', last: '(Unnamed Layer* 0) [ElementWise]' },
    ]);
    const broken = parseLayerName('{ForeignNode[...Dequantize]}');
    expect(broken.names).toEqual(['Dequantize']);
    expect(broken.problems).toHaveLength(1);
  });

  it('reads reformat layers as serving their target layer', () => {
    const p = parseLayerName('Reformatting CopyNode for Input Tensor 0 to Conv_5');
    expect(p.reformat).toEqual({ direction: 'input', tensorIndex: 0, target: 'Conv_5' });
    expect(p.names).toEqual(['Conv_5']);
    const q = parseLayerName('Reformatting CopyNode for Output Tensor 1 to {ForeignNode[/x/Split.../x/Add]}');
    expect(q.reformat).toEqual({ direction: 'output', tensorIndex: 1, target: '{ForeignNode[/x/Split.../x/Add]}' });
    expect(q.ranges).toEqual([{ first: '/x/Split', last: '/x/Add' }]);
    expect(q.foreign).toBe(false);
  });

  it('strips optimization-profile suffixes', () => {
    const p = parseLayerName('Conv_0 + Relu_1 [profile 1]');
    expect(p.profile).toBe(1);
    expect(p.names).toEqual(['Conv_0', 'Relu_1']);
  });

  it('falls back to a plain split when brackets do not balance', () => {
    expect(parseLayerName('/a[0/Mul + /b/Add').names).toEqual(['/a[0/Mul', '/b/Add']);
  });
});

describe('parseMetadata', () => {
  it('reads every [ONNX Layer: ...] entry, whatever separates them', () => {
    expect(parseMetadata('[ONNX Layer: /a/Conv]\u001f[ONNX Layer: /a/Relu]')).toEqual(['/a/Conv', '/a/Relu']);
    expect(parseMetadata('[ONNX Layer: /a/Conv]\u001e[ONNX Layer: /a/Relu]')).toEqual(['/a/Conv', '/a/Relu']);
    expect(parseMetadata('[ONNX Layer: /a/Conv]\n[ONNX Layer: /a/Relu]\n')).toEqual(['/a/Conv', '/a/Relu']);
    expect(parseMetadata('[ONNX Layer: /a/Conv][ONNX Layer: /a/Relu]')).toEqual(['/a/Conv', '/a/Relu']);
  });
  it('keeps brackets inside names and ignores other entries', () => {
    expect(parseMetadata('[ONNX Layer: x[0]]')).toEqual(['x[0]']);
    expect(parseMetadata('something else\u001f[ONNX Layer: y]')).toEqual(['y']);
    expect(parseMetadata('')).toEqual([]);
    expect(parseMetadata(undefined)).toEqual([]);
  });
});

describe('normalizeDtype', () => {
  it('reads 10.x format strings and 11.x data types', () => {
    expect(normalizeDtype('Row major linear FP32')).toBe('FP32');
    expect(normalizeDtype('Channel major FP16 format where channel % 8 == 0')).toBe('FP16');
    expect(normalizeDtype('Thirty-two wide channel vectorized row major Int8 format')).toBe('INT8');
    expect(normalizeDtype('Row major linear Int32')).toBe('INT32');
    expect(normalizeDtype('Row major linear BFloat16 format')).toBe('BF16');
    expect(normalizeDtype('Half')).toBe('FP16');
    expect(normalizeDtype('Float')).toBe('FP32');
    expect(normalizeDtype('UInt8')).toBe('UINT8');
    expect(normalizeDtype('Unknown format')).toBeUndefined();
    expect(normalizeDtype('Complex32')).toBe('Complex32');
  });
});

describe('parseLayerInfo, TensorRT 10.x schema', () => {
  const info = parseLayerInfo(json('resnet-mini.trt10.layers.json'), 'resnet-mini.trt10.layers.json');

  it('reads every layer with its tensors', () => {
    expect(info.kind).toBe('layer-info');
    expect(info.schema).toBe('10');
    expect(info.warnings).toEqual([]);
    expect(info.truncated).toBe(false);
    expect(info.layers).toHaveLength(12);
    const conv = info.layers[1];
    expect(conv?.name).toBe('/conv1/Conv + /bn1/BatchNormalization + /relu/Relu');
    expect(conv?.type).toBe('CaskConvolution');
    expect(conv?.parameterType).toBe('Convolution');
    expect(conv?.precision).toBe('FP16');
    expect(conv?.tactic).toMatch(/^sm86_xmma_fprop/);
    expect(conv?.tacticValue).toBe('0x1a2b3c4d5e6f7081');
    expect(conv?.onnxNames).toEqual(['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu']);
    expect(conv?.onnxNamesFrom).toBe('name');
    expect(conv?.outputs).toEqual([
      {
        name: '/relu/Relu_output_0',
        dims: [1, 16, 32, 32],
        dtype: 'FP16',
        format: 'Channel major FP16 format where channel % 8 == 0',
        location: 'Device',
      },
    ]);
    expect(conv?.raw).toHaveProperty('Kernel', [7, 7]);
    expect(info.layers[4]?.inputs).toHaveLength(2);
    expect(info.layers[4]?.onnxNames).toEqual([
      '/layer1/layer1.0/conv2/Conv',
      '/layer1/layer1.0/Add',
      '/layer1/layer1.0/relu_1/Relu',
    ]);
  });

  it('marks reformats, point-wise, foreign and metadata layers', () => {
    const [reformatIn] = info.layers;
    expect(reformatIn?.isReformat).toBe(true);
    expect(reformatIn?.reformat?.direction).toBe('input');
    expect(reformatIn?.onnxNames).toEqual(['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu']);
    expect(reformatIn?.precision).toBe('FP16');
    expect(info.layers[8]?.reformat).toEqual({
      direction: 'output',
      tensorIndex: 0,
      target: '/layer2/layer2.0/conv2/Conv',
    });
    expect(info.layers[8]?.precision).toBe('FP32');
    expect(info.layers[6]?.onnxNames).toEqual(['/layer2/layer2.0/act/Sigmoid', '/layer2/layer2.0/act/Mul']);
    const foreign = info.layers[9];
    expect(foreign?.isForeign).toBe(true);
    expect(foreign?.range).toEqual({ first: '/avgpool/GlobalAveragePool', last: '/fc/Gemm' });
    expect(foreign?.tactic).toBeUndefined();
    const kgen = info.layers[10];
    expect(kgen?.onnxNamesFrom).toBe('metadata');
    expect(kgen?.onnxNames).toEqual(['/head/Mul', '/head/Add']);
    expect(kgen?.nameParts).toEqual(['__myl_MulAdd_myl3_0']);
    expect(kgen?.precision).toBe('FP32');
    expect(info.layers.filter((l) => l.isReformat).map((l) => l.index)).toEqual([0, 8]);
  });

  it('fills the bindings in from the layers', () => {
    expect(info.ioTensors).toEqual([
      { name: 'input', mode: 'input', dtype: 'FP32', dims: [1, 3, 64, 64], location: 'Device' },
      { name: 'logits', mode: 'output', dtype: 'FP32', dims: [1, 10], location: 'Device' },
    ]);
  });
});

describe('parseLayerInfo, TensorRT 11.x schema', () => {
  const info = parseLayerInfo(json('resnet-mini.trt11.layers.json'), 'resnet-mini.trt11.layers.json');

  it('reads Format and DataType separately and the I/O Tensors objects', () => {
    expect(info.schema).toBe('11');
    expect(info.warnings).toEqual([]);
    expect(info.layers).toHaveLength(12);
    expect(info.layers[1]?.outputs[0]).toMatchObject({
      dtype: 'FP16',
      format: 'Channel major FP16 format where channel % 8 == 0 (kHWC8)',
    });
    expect(info.layers[1]?.precision).toBe('FP16');
    expect(info.layers[11]?.precision).toBe('FP32');
    expect(info.ioTensors).toEqual([
      {
        name: 'input',
        mode: 'input',
        dtype: 'FP32',
        dims: [1, 3, 64, 64],
        location: 'Device',
        isShapeIO: false,
        profiles: [
          {
            min: [1, 3, 64, 64],
            opt: [1, 3, 64, 64],
            max: [1, 3, 64, 64],
            format: 'Row major linear FP32 format (kLINEAR)',
          },
        ],
      },
      {
        name: 'logits',
        mode: 'output',
        dtype: 'FP32',
        dims: [1, 10],
        location: 'Device',
        isShapeIO: false,
        profiles: [{ min: [1, 10], opt: [1, 10], max: [1, 10], format: 'Row major linear FP32 format (kLINEAR)' }],
      },
    ]);
  });

  it('prefers Metadata over the layer name', () => {
    const conv = info.layers[1];
    expect(conv?.name).toBe('/conv1/Conv + /relu/Relu');
    expect(conv?.nameParts).toEqual(['/conv1/Conv', '/relu/Relu']);
    expect(conv?.onnxNames).toEqual(['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu']);
    expect(conv?.onnxNamesFrom).toBe('metadata');
    // newline- and record-separator-separated entries
    expect(info.layers[4]?.onnxNames).toEqual([
      '/layer1/layer1.0/conv2/Conv',
      '/layer1/layer1.0/Add',
      '/layer1/layer1.0/relu_1/Relu',
    ]);
    expect(info.layers[10]?.onnxNames).toEqual(['/head/Mul', '/head/Add']);
    // a reformat layer takes the names of the layer it serves
    expect(info.layers[0]?.onnxNames).toEqual(['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu']);
    expect(info.layers[0]?.nameParts).toEqual(['/conv1/Conv', '/relu/Relu']);
    // an empty Metadata field falls back to the name
    expect(info.layers[9]?.onnxNamesFrom).toBe('name');
    expect(info.layers[9]?.range).toEqual({ first: '/avgpool/GlobalAveragePool', last: '/fc/Gemm' });
  });

  it('maps to the same ONNX nodes as the 10.x file', () => {
    const ten = parseLayerInfo(json('resnet-mini.trt10.layers.json'), 'ten');
    const a = mapToOnnx(info, ONNX_NODES).layers.map((l) => l.nodes);
    const b = mapToOnnx(ten, ONNX_NODES).layers.map((l) => l.nodes);
    expect(a).toEqual(b);
  });
});

describe('parseLayerInfo, other shapes', () => {
  it('reads names-only engines (ProfilingVerbosity kLAYER_NAMES_ONLY)', () => {
    const info = parseLayerInfo(
      { Layers: ['Conv_0 + Relu_1', '{ForeignNode[Add_2...Mul_9]}'], Bindings: ['x', 'y'] },
      'names.json',
    );
    expect(info.schema).toBe('names-only');
    expect(info.warnings).toEqual([]);
    expect(info.layers.map((l) => l.onnxNames)).toEqual([
      ['Conv_0', 'Relu_1'],
      ['Add_2', 'Mul_9'],
    ]);
    expect(info.layers[0]?.type).toBe('Unknown');
    expect(info.layers[0]?.raw).toBe('Conv_0 + Relu_1');
    expect(info.layers[1]?.isForeign).toBe(true);
    expect(info.ioTensors).toEqual([{ name: 'x' }, { name: 'y' }]);
  });

  it('reads an unknown version as far as it can, with a warning', () => {
    const info = parseLayerInfo(
      { Version: '12.0', Layers: [{ Name: 'Conv_0 + Relu_1', LayerType: 'Convolution', Tensors: { in: 'x' } }] },
      'future.json',
    );
    expect(info.schema).toBe('unknown');
    expect(info.layers[0]?.onnxNames).toEqual(['Conv_0', 'Relu_1']);
    expect(info.warnings.join('\n')).toMatch(/unrecognized layer-information version/);
  });

  it('imports layers with missing or mistyped fields, naming each problem', () => {
    const info = parseLayerInfo(
      {
        Layers: [
          {
            LayerType: 'CaskConvolution',
            Inputs: 'x',
            Outputs: [{ Name: 'y', 'Format/Datatype': 'Half', Dimensions: 'n' }],
          },
          42,
          { Name: 'Relu_3', LayerType: 'PointWise', Inputs: [], Outputs: [], TacticValue: 7 },
        ],
        Bindings: ['y', 5],
      },
      'odd.json',
    );
    expect(info.schema).toBe('10');
    expect(info.layers.map((l) => l.index)).toEqual([0, 2]);
    expect(info.layers[0]?.name).toBe('');
    expect(info.layers[0]?.inputs).toEqual([]);
    expect(info.layers[0]?.outputs).toEqual([{ name: 'y', dtype: 'FP16', format: 'Half' }]);
    expect(info.layers[1]?.tactic).toBe('7');
    const w = info.warnings.join('\n');
    expect(w).toMatch(/layer 0: Inputs/);
    expect(w).toMatch(/layer 0 has no Name/);
    expect(w).toMatch(/Dimensions/);
    expect(w).toMatch(/layer 1 is number 42/);
    expect(w).toMatch(/binding 1 is number 5/);
    expect(info.ioTensors).toEqual([{ name: 'y', mode: 'output', dtype: 'FP16' }]);
  });

  it('does not throw on values that are not layer information', () => {
    for (const v of [null, 3, 'x', [1, 2], { Layers: 'no' }]) {
      const info = parseLayerInfo(v, 'bad.json');
      expect(info.layers).toEqual([]);
      expect(info.schema).toBe('unknown');
      expect(info.warnings.length).toBeGreaterThan(0);
    }
  });

  it('accepts one layer from getLayerInformation', () => {
    const info = parseLayerInfo({ Name: 'Conv_0', LayerType: 'CaskConvolution', Inputs: [], Outputs: [] }, 'one.json');
    expect(info.layers).toHaveLength(1);
    expect(info.warnings.join()).toMatch(/one layer/);
  });

  it('notes optimization profiles', () => {
    const info = parseLayerInfo({ Layers: ['Conv_0', 'Conv_0 [profile 1]'] }, 'p.json');
    expect(info.layers.map((l) => l.profile)).toEqual([undefined, 1]);
    expect(info.layers[1]?.onnxNames).toEqual(['Conv_0']);
    expect(info.warnings.join()).toMatch(/2 optimization profiles/);
  });
});

describe('mapToOnnx', () => {
  const info = parseLayerInfo(json('resnet-mini.trt10.layers.json'), 'resnet-mini.trt10.layers.json');

  it('maps fused, point-wise, reformat, foreign and metadata layers to node indices', () => {
    const m = mapToOnnx(info, ONNX_NODES);
    expect(m.layers.map((l) => l.nodes)).toEqual([
      [0, 1, 2], // reformat for conv1
      [0, 1, 2],
      [3],
      [4, 5],
      [6, 7, 8],
      [9],
      [10, 11],
      [12],
      [12], // reformat of conv2's output
      [13, 14, 15], // the ForeignNode range takes in /Flatten
      [16, 17], // from Metadata
      [18],
    ]);
    expect(m.layers.map((l) => l.via)).toEqual([
      'name',
      'name',
      'name',
      'name',
      'name',
      'name',
      'name',
      'name',
      'name',
      'range',
      'metadata',
      'name',
    ]);
    expect(m.unmapped).toEqual([
      {
        layerIndex: 11,
        layerName: '/Softmax + (Unnamed Layer* 41) [Shuffle]',
        name: '(Unnamed Layer* 41) [Shuffle]',
        reason: 'trt-internal',
      },
    ]);
    expect(m.uncoveredNodes).toEqual([]);
    expect(m.nodeLayers[0]).toEqual([0, 1]);
    expect(m.warnings).toEqual([]);
  });

  it('lists every name that matches no node', () => {
    const nodes = ONNX_NODES.filter((n) => n !== '/maxpool/MaxPool' && n !== '/head/Add' && n !== '/fc/Gemm');
    const m = mapToOnnx(info, nodes);
    const missing = m.unmapped.map((u) => `${u.layerIndex}:${u.name}:${u.reason}`);
    expect(missing).toEqual([
      '2:/maxpool/MaxPool:not-in-model',
      '9:/fc/Gemm:not-in-model',
      '10:/head/Add:not-in-model',
      '11:(Unnamed Layer* 41) [Shuffle]:trt-internal',
    ]);
    expect(m.layers[2]?.nodes).toEqual([]);
    expect(m.layers[2]?.via).toBe('none');
    // a range with a missing end maps only the end it has, and says so
    expect(m.layers[9]?.nodes).toEqual([nodes.indexOf('/avgpool/GlobalAveragePool')]);
    expect(m.warnings.join()).toMatch(/range end "\/fc\/Gemm"/);
    expect(m.uncoveredNodes).toEqual([nodes.indexOf('/Flatten')]);
  });

  it('follows the given order for ranges', () => {
    // /Flatten (14) placed before /avgpool/GlobalAveragePool (13): no longer inside the range
    const order = [...Array(13).keys(), 14, 13, 15, 16, 17, 18];
    const m = mapToOnnx(info, ONNX_NODES, order);
    expect(m.layers[9]?.nodes).toEqual([13, 15]);
    expect(m.uncoveredNodes).toEqual([14]);
    expect(mapToOnnx(info, ONNX_NODES, Int32Array.from(order)).layers[9]?.nodes).toEqual([13, 15]);
    const bad = mapToOnnx(info, ONNX_NODES, [0, 0, 1]);
    expect(bad.warnings.join()).toMatch(/topoOrder/);
    expect(bad.layers[9]?.nodes).toEqual([13, 14, 15]);
  });

  it('knows unnamed nodes by their first output and weights by tensor name', () => {
    const qat = parseLayerInfo(
      { Layers: ['conv1.weight + QuantizeLinear_7 + node_of_conv_out', 'reshape_after_Gemm_48'] },
      'q',
    );
    const m = mapToOnnx(qat, ['QuantizeLinear_7', '', 'Gemm_48'], undefined, {
      nodeOutputs: [['q_out'], ['conv_out'], ['gemm_out']],
      tensorNames: ['conv1.weight'],
    });
    expect(m.layers[0]?.nodes).toEqual([0, 1]);
    expect(m.unmapped.map((u) => [u.name, u.reason])).toEqual([
      ['conv1.weight', 'tensor-name'],
      ['reshape_after_Gemm_48', 'trt-internal'],
    ]);
  });

  it('covers every node of a duplicated name and warns', () => {
    const m = mapToOnnx(parseLayerInfo({ Layers: ['Relu'] }, 'd'), ['Relu', 'Conv', 'Relu']);
    expect(m.layers[0]?.nodes).toEqual([0, 2]);
    expect(m.warnings.join()).toMatch(/more than once/);
  });
});

describe('parseProfile', () => {
  it('reads the per-layer times', () => {
    const p = parseProfile(json('resnet-mini.profile.json'), 'resnet-mini.profile.json');
    expect(p.warnings).toEqual([]);
    expect(p.iterations).toBe(50);
    expect(p.layers).toHaveLength(12);
    expect(p.layers[1]).toMatchObject({
      index: 1,
      name: '/conv1/Conv + /bn1/BatchNormalization + /relu/Relu',
      timeMs: 1.535,
      averageMs: 0.0307,
      medianMs: 0.0305,
      percentage: 22.3761,
      onnxNames: ['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu'],
    });
    expect(p.layers[0]?.isReformat).toBe(true);
    expect(p.layers[9]?.range).toEqual({ first: '/avgpool/GlobalAveragePool', last: '/fc/Gemm' });
    expect(p.totalAverageMs).toBeCloseTo(0.1372, 6);
    expect(p.totalMs).toBeCloseTo(6.86, 6);
    expect(p.layers.reduce((s, l) => s + l.percentage, 0)).toBeCloseTo(100, 2);
  });

  it('takes trtexec layout, nan and old files without medianMs', () => {
    const raw = [
      '[',
      '  { "count" : 10 }',
      ', { "name" : "Conv_0 + Relu_1", "timeMs" : 0, "averageMs" : 0, "medianMs" : 0, "percentage" : -nan }',
      ', { "name" : "MaxPool_2", "timeMs" : 0, "averageMs" : 0, "percentage" : nan }',
      ']',
    ].join('\n');
    const p = asProfile(parseEngineJsonText(raw, 'idle.profile.json'));
    expect(p.layers.map((l) => l.percentage)).toEqual([0, 0]);
    expect(p.layers[1]?.medianMs).toBeUndefined();
    expect(p.warnings.join('\n')).toMatch(/nan\/inf/);
    expect(p.warnings.join('\n')).toMatch(/no usable percentage/);
  });
});

describe('parseTimes', () => {
  it('computes trtexec-style statistics', () => {
    const t = parseTimes(json('resnet-mini.times.json'), 'resnet-mini.times.json');
    expect(t.warnings).toEqual([]);
    expect(t.count).toBe(10);
    expect(t.latency?.count).toBe(10);
    expect(t.latency?.min).toBe(1.02);
    expect(t.latency?.max).toBe(1.5);
    expect(t.latency?.mean).toBeCloseTo(1.115, 9);
    expect(t.latency?.median).toBeCloseTo(1.065, 9);
    expect(t.latency?.p90).toBe(1.2);
    expect(t.latency?.p95).toBe(1.5);
    expect(t.latency?.p99).toBe(1.5);
    expect(t.compute?.min).toBeCloseTo(0.96, 9);
    expect(t.compute?.max).toBeCloseTo(1.44, 9);
    expect(t.compute?.mean).toBeCloseTo(1.055, 9);
    expect(t.h2d?.mean).toBeCloseTo(0.05, 9);
    expect(t.d2h?.max).toBeCloseTo(0.01, 9);
    expect(t.enqueue?.median).toBeCloseTo(0.02, 9);
    expect(t.throughputQps).toBeCloseTo(10 / ((21.33 - 10) / 1000), 6);
    expect(t.computeCov).toBeGreaterThan(0.025);
  });

  it('skips unusable records and says how many', () => {
    const t = parseTimes(
      [{ latencyMs: 2, computeMs: 1.5 }, { latencyMs: 'x' }, { startH2dMs: 1, endD2hMs: 4 }, 'junk'],
      'odd.times.json',
    );
    expect(t.count).toBe(2);
    expect(t.latency?.max).toBe(3);
    const w = t.warnings.join('\n');
    expect(w).toMatch(/1 inferences without a usable latencyMs/);
    expect(w).toMatch(/endD2hMs − startH2dMs/);
    expect(w).toMatch(/1 inferences have no compute time/);
  });

  it('reports no statistics for no records', () => {
    const t = parseTimes([], 'empty.times.json');
    expect(t.count).toBe(0);
    expect(t.latency).toBeNull();
    expect(t.warnings.join()).toMatch(/no inference timings/);
  });
});

describe('parseEngineJsonText', () => {
  it('tells the three kinds apart', () => {
    expect(parseEngineJsonText(text('resnet-mini.trt10.layers.json'), 'a').kind).toBe('layer-info');
    expect(asLayerInfo(parseEngineJsonText(text('resnet-mini.trt11.layers.json'), 'b')).schema).toBe('11');
    expect(asProfile(parseEngineJsonText(text('resnet-mini.profile.json'), 'c')).layers).toHaveLength(12);
    expect(asTimes(parseEngineJsonText(text('resnet-mini.times.json'), 'd')).count).toBe(10);
    expect(parseEngineJsonText('\ufeff{"Layers": ["Conv_0"]}', 'bom.json').kind).toBe('layer-info');
  });

  it('imports a truncated layer-information file as far as it goes', () => {
    const name = 'resnet-mini.trt10.layers.truncated.json.part';
    const info = asLayerInfo(parseEngineJsonText(text(name), name));
    expect(info.truncated).toBe(true);
    expect(info.schema).toBe('10');
    expect(info.layers).toHaveLength(5);
    expect(info.layers.slice(0, 4).every((l) => !l.incomplete)).toBe(true);
    const last = info.layers[4];
    expect(last?.incomplete).toBe(true);
    expect(last?.onnxNames).toEqual([
      '/layer1/layer1.0/conv2/Conv',
      '/layer1/layer1.0/Add',
      '/layer1/layer1.0/relu_1/Relu',
    ]);
    expect(last?.inputs).toHaveLength(2);
    expect(last?.raw).toHaveProperty('Activation', 'RELU');
    expect(last?.tactic).toBeUndefined(); // TacticName was being read when the file ends
    expect(info.ioTensors).toEqual([]);
    const w = info.warnings.join('\n');
    expect(w).toMatch(/truncated/);
    expect(w).toMatch(/cut off after 5 layers/);
    expect(w).toMatch(/layer 4 .* is cut off/);
    expect(mapToOnnx(info, ONNX_NODES).layers[4]?.nodes).toEqual([6, 7, 8]);
  });

  it('imports truncated profiles and times', () => {
    const profile = text('resnet-mini.profile.json');
    const p = asProfile(
      parseEngineJsonText(profile.slice(0, profile.indexOf('"/maxpool/MaxPool"') + 40), 'cut.profile.json'),
    );
    expect(p.truncated).toBe(true);
    expect(p.layers.map((l) => l.name)).toEqual([
      'Reformatting CopyNode for Input Tensor 0 to /conv1/Conv + /bn1/BatchNormalization + /relu/Relu',
      '/conv1/Conv + /bn1/BatchNormalization + /relu/Relu',
      '/maxpool/MaxPool',
    ]);
    expect(p.layers[2]?.medianMs).toBeUndefined();
    expect(p.warnings.join()).toMatch(/cut off after 4 records/);

    const times = text('resnet-mini.times.json');
    const t = asTimes(parseEngineJsonText(times.slice(0, times.length - 120), 'cut.times.json'));
    expect(t.truncated).toBe(true);
    expect(t.count).toBe(9);
    expect(t.warnings.join()).toMatch(/the inference the file is cut off in was skipped/);
  });

  it('throws a KilnError naming the file for text that is not JSON', () => {
    const e = thrown(() => parseEngineJsonText('{"Layers": [}', 'broken.json'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.file).toBe('broken.json');
    expect(e.message).toMatch(/^broken\.json is not valid JSON: .* line 1, column 13$/);
    expect(thrown(() => parseEngineJsonText('[1, 2] trailing', 'two.json')).message).toMatch(
      /two\.json.*after the JSON value/,
    );
    expect(thrown(() => parseEngineJsonText('Layer Information:\n', 'log.txt')).file).toBe('log.txt');
    expect(thrown(() => parseEngineJsonText('{"a": "\\q"}', 'esc.json')).code).toBe('INVALID_ARGUMENT');
  });

  it('throws for empty, binary, bare and foreign input', () => {
    expect(thrown(() => parseEngineJsonText('  \n', 'empty.json')).code).toBe('EMPTY_FILE');
    expect(thrown(() => parseEngineJsonText('ftrt\u0000\u0000\u0001', 'model.engine')).message).toMatch(
      /model\.engine is binary/,
    );
    expect(thrown(() => parseEngineJsonText('"Layers', 'cut.json')).message).toMatch(/cut\.json ends before/);
    const other = thrown(() => parseEngineJsonText('{"ir_version": 8}', 'model.json'));
    expect(other.code).toBe('UNSUPPORTED');
    expect(other.file).toBe('model.json');
    expect(thrown(() => parseEngineJsonText('[', 'open.json')).message).toMatch(/open\.json .*truncated/);
  });

  it('keeps raw control characters in metadata strings', () => {
    const raw = '{"Layers": [{"Name": "k", "LayerType": "kgen", "Metadata": "[ONNX Layer: a]\u001f[ONNX Layer: b]"}]}';
    const info = asLayerInfo(parseEngineJsonText(raw, 'raw.json'));
    expect(info.layers[0]?.onnxNames).toEqual(['a', 'b']);
    expect(info.warnings.join()).toMatch(/control characters/);
  });
});
