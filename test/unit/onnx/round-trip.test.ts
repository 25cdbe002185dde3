/**
 * Writer: decode -> encode loses nothing. Unchanged models re-encode to the same bytes (so every
 * field, known or not, survives); changed models keep everything they did not change; written files
 * are atomic and can move weights to an external file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../../electron/core/onnx/decode';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { openModelFile } from '../../../electron/core/onnx/open';
import { tensorValues } from '../../../electron/core/onnx/values';
import { writeModelFile } from '../../../electron/core/onnx/write';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { REAL_MODELS } from './real-models';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-rt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Protobuf tag + varint value, for hand-made unknown fields. */
function varintField(field: number, value: number): Uint8Array {
  const out: number[] = [];
  for (let v = field * 8; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out.push(v);
      break;
    }
    out.push((v % 128) | 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

function smallModel(): Uint8Array {
  const rand = seeded(7);
  const b = new GraphBuilder('small');
  const x = b.input('x', DT.float32, ['batch', 16]);
  const w = b.init('w', DT.float32, [16, 16], randomFloats(rand, 256));
  const bias = b.init('bias', DT.float32, [16], randomFloats(rand, 16));
  const y = b.node('Add', [b.node('MatMul', [x, w], { name: '/fc/MatMul' }), bias], { name: '/fc/Add' });
  b.node('Relu', [y], { name: '/act/Relu', outputs: ['y'] });
  b.output('y', DT.float32, ['batch', 16]);
  return encodeModel(model(b.graph()));
}

describe('decode -> encode is byte-identical on every real model', () => {
  for (const m of REAL_MODELS) {
    it(m.file, () => {
      const src = new Uint8Array(fs.readFileSync(m.path));
      const out = encodeModel(decodeModel(src), { source: src });
      expect(out.length).toBe(src.length);
      expect(Buffer.compare(Buffer.from(out), Buffer.from(src))).toBe(0);
    });
  }
});

describe('changes keep everything else', () => {
  it('fields newer than the schema survive a change elsewhere', () => {
    const base = smallModel();
    // ModelProto field 99 and field 40 do not exist in any ONNX schema Kiln knows.
    const src = new Uint8Array([...base, ...varintField(99, 5), ...varintField(40, 1)]);
    const m = decodeModel(src);
    m.metadataProps.push({ key: 'kiln.recipe', value: 'fp16' });
    m.graph!.node[0]!.name = '/fc/MatMul_renamed';
    const out = encodeModel(m, { source: src });
    const hex = Buffer.from(out).toString('hex');
    expect(hex).toContain(Buffer.from(varintField(99, 5)).toString('hex'));
    expect(hex).toContain(Buffer.from(varintField(40, 1)).toString('hex'));
    const again = decodeModel(out);
    expect(again.graph!.node.map((n) => n.name)).toEqual(['/fc/MatMul_renamed', '/fc/Add', '/act/Relu']);
    expect(again.metadataProps).toEqual([{ key: 'kiln.recipe', value: 'fp16' }]);
    // Weights are copied through untouched.
    const before = tensorValues(decodeModel(src).graph!.initializer[0]!, { path: '/x.onnx', bytes: src });
    const after = tensorValues(again.graph!.initializer[0]!, { path: '/x.onnx', bytes: out });
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('a real model with a changed node re-decodes with every other node and weight equal', () => {
    const m0 = REAL_MODELS.find((m) => m.file.startsWith('silero_vad_v5'))!;
    const src = new Uint8Array(fs.readFileSync(m0.path));
    const m = decodeModel(src);
    const target = m.graph!.node.findIndex((n) => n.opType !== 'If');
    m.graph!.node[target]!.docString = 'touched by Kiln';
    const out = encodeModel(m, { source: src });
    const a = decodeModel(src);
    const b = decodeModel(out);
    expect(b.graph!.node.length).toBe(a.graph!.node.length);
    b.graph!.node.forEach((n, i) => {
      const o = a.graph!.node[i]!;
      expect([n.opType, n.name, n.input, n.output]).toEqual([o.opType, o.name, o.input, o.output]);
      expect(n.attribute.length).toBe(o.attribute.length);
    });
    expect(b.graph!.node[target]!.docString).toBe('touched by Kiln');
    for (const [i, t] of a.graph!.initializer.entries()) {
      const u = b.graph!.initializer[i]!;
      expect(Array.from(tensorValues(u, { path: 'x', bytes: out }))).toEqual(
        Array.from(tensorValues(t, { path: 'x', bytes: src })),
      );
    }
  });
});

describe('writeModelFile', () => {
  it('writes embedded weights atomically and opens again', async () => {
    const src = smallModel();
    const out = path.join(tmp, 'embedded.onnx');
    const r = writeModelFile(decodeModel(src), out, { source: src });
    expect(r.bytes).toBe(fs.statSync(out).size);
    expect(Buffer.compare(fs.readFileSync(out), Buffer.from(src))).toBe(0);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('moves weights to an external file and back, values equal', async () => {
    const src = smallModel();
    const dir = path.join(tmp, 'ext');
    fs.mkdirSync(dir);
    const out = path.join(dir, 'model.onnx');
    const r = writeModelFile(decodeModel(src), out, {
      source: src,
      externalData: { location: 'model.weights', minBytes: 16 },
    });
    expect(r.externalPath).toBe(path.join(dir, 'model.weights'));
    // Both tensors, each starting on a 4 KiB boundary as onnx's own writer aligns them for mmap.
    expect(r.externalBytes).toBe(fs.statSync(r.externalPath!).size);
    expect(r.externalBytes).toBe(4096 + 16 * 4);
    const opened = await openModelFile(out);
    const w = opened.model.graph!.initializer.find((t) => t.name === 'w')!;
    expect(w.data.kind).toBe('external');
    const orig = decodeModel(src).graph!.initializer.find((t) => t.name === 'w')!;
    expect(Array.from(tensorValues(w, { path: out }))).toEqual(
      Array.from(tensorValues(orig, { path: 'x', bytes: src })),
    );

    // ... and back to embedded from the external copy.
    const back = path.join(tmp, 'back.onnx');
    writeModelFile(opened.model, back, { source: opened.bytes });
    const reopened = await openModelFile(back);
    const w2 = reopened.model.graph!.initializer.find((t) => t.name === 'w')!;
    expect(w2.data.kind).not.toBe('external');
    expect(Array.from(tensorValues(w2, { path: back, bytes: reopened.bytes }))).toEqual(
      Array.from(tensorValues(orig, { path: 'x', bytes: src })),
    );
  });

  it('a failed write leaves the old file whole and no temp file', () => {
    const src = smallModel();
    const out = path.join(tmp, 'keep.onnx');
    fs.writeFileSync(out, 'old contents');
    const m = decodeModel(src);
    // A tensor whose external file is missing: the copy fails half-way through the write.
    m.graph!.initializer[0]!.data = {
      kind: 'external',
      location: 'gone.bin',
      path: path.join(tmp, 'gone.bin'),
      offset: 0,
      length: 1024,
    };
    expect(() => writeModelFile(m, out, { source: src, externalData: { location: 'keep.weights' } })).toThrow(
      /gone\.bin/,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
