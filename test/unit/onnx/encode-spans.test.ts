/**
 * An edit's result is written with the nodes it did not change copied as their bytes in the source
 * file (encode.ts, `decoded`), instead of encoded again. Held here to encoding every node: the same
 * bytes after edits that change many nodes, few or none, across the zoo (CNN, transformer,
 * detector, segmenter, recurrent, FP16-stored, dynamic axes); and the copy is shown to happen (a
 * source whose bytes were altered under an untouched node's span writes the altered bytes).
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
import { transformer } from '../../builders/transformer';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');

function open(name: string, bytes?: Uint8Array): OpenedModel {
  const file = path.join(ZOO, `${name}.onnx`);
  return openModelBytes(bytes ?? fs.readFileSync(file), file, `${name}.onnx`, { keepSpans: true });
}

const CASES: { model: string; edits: Edit[]; bytes?: () => Uint8Array }[] = [
  {
    model: 'generated transformer',
    bytes: () => encodeModel(transformer(3)),
    edits: [{ kind: 'shapes', shapes: { input: [1, 8, 16] } }, { kind: 'fold' }, { kind: 'int64ToInt32' }],
  },
  { model: 'bert-tiny', edits: [{ kind: 'fold' }, { kind: 'int64ToInt32' }] },
  { model: 'bert-tiny', edits: [{ kind: 'opset', version: 17 }] },
  { model: 'vit-tiny', edits: [{ kind: 'fold' }] },
  { model: 'ssdlite-tiny', edits: [{ kind: 'fold' }, { kind: 'int64ToInt32' }] },
  { model: 'unet-tiny', edits: [{ kind: 'fold' }] },
  { model: 'kws-lstm-gru', edits: [{ kind: 'fold' }] },
  { model: 'mobilenetv3-fp16', edits: [{ kind: 'upcast' }, { kind: 'fold' }] },
  { model: 'mobilenetv3-fp16', edits: [] },
];

describe('writing an edit with the untouched nodes copied from the source', () => {
  for (const c of CASES) {
    it(`${c.model}, ${c.edits.map((e) => e.kind).join(' + ') || 'no edit'}: the bytes encoding every node gives`, () => {
      const o = c.bytes
        ? openModelBytes(c.bytes(), '/nonexistent/built.onnx', 'built.onnx', { keepSpans: true })
        : open(c.model);
      const { model } = applyEdits(detachWeights(o.model, o), c.edits, o.displayName);
      const copied = encodeModel(model, { source: o.bytes, decoded: o.model });
      const encoded = encodeModel(model, { source: o.bytes });
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
    const [s, e] = untouched.span!;
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
