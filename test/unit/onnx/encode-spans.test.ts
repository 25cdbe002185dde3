/**
 * An edit's result is written with the nodes it did not change copied as their bytes in the source
 * file (encode.ts, `decoded`), instead of encoded again. Held here to encoding every node: the same
 * bytes after edits that change many nodes, few or none, across the zoo (CNN, transformer,
 * detector, segmenter, recurrent, FP16-stored, dynamic axes, quantized) and for every edit kind
 * (an edit that changed a node in place instead of copying it would show here); and the copy is
 * shown to happen (a source whose bytes were altered under an untouched node's span writes the
 * altered bytes). Models are decoded as Kiln decodes them (nodes keep their spans, nothing else).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Edit } from '../../../electron/shared/api/edits';
import { applyEdits } from '../../../electron/core/edit/apply';
import { detachWeights } from '../../../electron/core/edit/model-copy';
import { decodeModel } from '../../../electron/core/onnx/decode';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { openModelBytes, type OpenedModel } from '../../../electron/core/onnx/open';
import { dynamicQuantized, qoperatorQuantized } from '../../builders/quantized';
import { transformer } from '../../builders/transformer';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');

function open(name: string, bytes?: Uint8Array): OpenedModel {
  const file = path.join(ZOO, `${name}.onnx`);
  return openModelBytes(bytes ?? fs.readFileSync(file), file, `${name}.onnx`);
}

const L0 = '/encoder/layer.0';

const CASES: { model: string; edits: Edit[]; bytes?: () => Uint8Array; copies?: true }[] = [
  {
    model: 'generated transformer',
    bytes: () => encodeModel(transformer(3)),
    edits: [{ kind: 'shapes', shapes: { input: [1, 8, 16] } }, { kind: 'fold' }, { kind: 'int64ToInt32' }],
    copies: true,
  },
  { model: 'bert-tiny', edits: [{ kind: 'fold' }, { kind: 'int64ToInt32' }], copies: true },
  { model: 'bert-tiny', edits: [{ kind: 'opset', version: 17 }] },
  { model: 'vit-tiny', edits: [{ kind: 'fold' }], copies: true },
  { model: 'ssdlite-tiny', edits: [{ kind: 'fold' }, { kind: 'int64ToInt32' }], copies: true },
  { model: 'unet-tiny', edits: [{ kind: 'fold' }], copies: true },
  { model: 'kws-lstm-gru', edits: [{ kind: 'fold' }] },
  { model: 'mobilenetv3-fp16', edits: [{ kind: 'upcast' }, { kind: 'fold' }] },
  { model: 'mobilenetv3-fp16', edits: [], copies: true },
  { model: 'mobilenetv3-fp16', edits: [{ kind: 'dynamicBatch', name: 'batch' }], copies: true },
  { model: 'dynamic quantized', bytes: () => encodeModel(dynamicQuantized().model), edits: [{ kind: 'dequantize' }] },
  { model: 'QOperator', bytes: () => encodeModel(qoperatorQuantized().model), edits: [{ kind: 'dequantize' }] },
  ...(
    [
      { kind: 'remove', nodes: [`${L0}/intermediate/intermediate_act_fn/Sigmoid`] },
      { kind: 'rename', what: 'tensor', from: `${L0}/attention/self/Softmax_output_0`, to: 'probs' },
      { kind: 'rename', what: 'node', from: `${L0}/attention/self/Softmax`, to: 'softmax0' },
      { kind: 'addOutputs', tensors: [`${L0}/attention/self/Softmax_output_0`] },
      {
        kind: 'extract',
        inputs: [`${L0}/output/LayerNorm/Add_1_output_0`],
        outputs: ['/encoder/layer.1/output/LayerNorm/Add_1_output_0'],
      },
      { kind: 'plugin', nodes: [`${L0}/attention/self/Softmax`], op: 'MySoftmax', domain: 'trt.plugins' },
    ] satisfies Edit[]
  ).map((edit) => ({ model: 'generated transformer', bytes: () => encodeModel(transformer(3)), edits: [edit] })),
];

describe('writing an edit with the untouched nodes copied from the source', () => {
  for (const c of CASES) {
    it(`${c.model}, ${c.edits.map((e) => e.kind).join(' + ') || 'no edit'}: the bytes encoding every node gives`, () => {
      const o = c.bytes ? openModelBytes(c.bytes(), '/nonexistent/built.onnx', 'built.onnx') : open(c.model);
      const { model } = applyEdits(detachWeights(o.model, o), c.edits, o.displayName);
      const kept = new Set(o.model.graph!.node);
      const copied = encodeModel(model, { source: o.bytes, decoded: o.model });
      const encoded = encodeModel(model, { source: o.bytes });
      // Edits that share the nodes they leave (fold, shapes, INT64 → INT32) do copy bytes; the
      // others copy every node (model-copy.ts) and encode them all.
      if (c.copies) expect(model.graph!.node.filter((n) => kept.has(n)).length).toBeGreaterThan(0);
      expect(copied.length).toBe(encoded.length);
      expect(Buffer.from(copied).equals(Buffer.from(encoded))).toBe(true);
    });
  }

  it('copies the bytes under an untouched node (and encodes the nodes an edit changed)', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(ZOO, 'bert-tiny.onnx')));
    const o = open('bert-tiny', bytes);
    const { model } = applyEdits(detachWeights(o.model, o), [{ kind: 'fold' }], o.displayName);
    const kept = new Set(o.model.graph!.node);
    const untouched = model.graph!.node.find((n) => kept.has(n) && n.name.length > 2 && n.name.length < 128)!;
    const changed = model.graph!.node.find((n) => !kept.has(n));
    // The same file with one letter of the untouched node's name changed under its span.
    const altered = bytes.slice();
    const [s, e] = [untouched.bytesAt!, untouched.bytesEnd!];
    // The name field: tag 3 (length-delimited), its length, the name.
    const field = Buffer.concat([Buffer.from([0x1a, untouched.name.length]), Buffer.from(untouched.name)]);
    const at = Buffer.from(altered.subarray(s, e)).indexOf(field) + s + 2;
    altered[at] = altered[at] === 0x5a ? 0x59 : 0x5a; // 'Z' (or 'Y')
    const out = decodeModel(encodeModel(model, { source: altered, decoded: o.model }));
    const names = out.graph!.node.map((n) => n.name);
    expect(names).toContain(String.fromCharCode(altered[at]!) + untouched.name.slice(1));
    expect(names).not.toContain(untouched.name);
    if (changed) expect(names).toContain(changed.name);
  });
});
