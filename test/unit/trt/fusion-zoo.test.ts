/**
 * The fusion prediction on the real models of the zoo, held to the figures it gave before its
 * accessors were rewritten to read the IR's arrays directly (commit de02f3a): how many kernels,
 * how many nodes fold, and how many nodes each kind of group takes. A change to which nodes join
 * (a tensor's single consumer, a node's first output) moves these counts.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { predictFusions } from '../../../electron/core/trt/fusion';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');

const EXPECTED: Record<string, { kernels: number; folded: number; kinds: Record<string, number> }> = {
  'bert-tiny': {
    kernels: 57,
    folded: 241,
    kinds: { folded: 241, attention: 10, single: 11, pointwise: 23, norm: 5, shuffle: 28, matmul: 18 },
  },
  'vit-tiny': {
    kernels: 45,
    folded: 206,
    kinds: { folded: 206, attention: 6, conv: 1, shuffle: 24, single: 8, pointwise: 15, norm: 5, matmul: 17 },
  },
  'ssdlite-tiny': {
    kernels: 227,
    folded: 1176,
    kinds: { folded: 1176, pointwise: 42, shuffle: 64, single: 53, conv: 179, pool: 8, softmax: 1 },
  },
  'unet-tiny': { kernels: 8, folded: 0, kinds: { conv: 8, pool: 1, single: 1, softmax: 1 } },
  'kws-lstm-gru': { kernels: 8, folded: 21, kinds: { folded: 21, shuffle: 5, single: 3, matmul: 1 } },
  'mobilenetv3-fp16': {
    kernels: 75,
    folded: 41,
    kinds: { folded: 41, pointwise: 10, conv: 100, pool: 10, shuffle: 1, matmul: 4 },
  },
};

describe('fusion prediction across the zoo', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: kernels, folded nodes and nodes per kind of group`, async () => {
      const a = await analyzeModel(path.join(ZOO, `${name}.onnx`));
      const p = predictFusions(a.ir);
      const kinds: Record<string, number> = {};
      for (const g of p.groups) kinds[g.kind] = (kinds[g.kind] ?? 0) + g.nodes.length;
      expect({ kernels: p.kernels, folded: p.folded, kinds }).toEqual(want);
    });
  }
});
