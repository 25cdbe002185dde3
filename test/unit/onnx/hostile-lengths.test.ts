/**
 * Crafted files from issue 20 (items 2 and 6): lengths and varints a hostile file lies with, and
 * repeated fields far bigger than any model needs. Each must end at once in a KilnError that names
 * the file (NOT_ONNX for broken protobuf, UNSUPPORTED for limits), never read backwards, spin,
 * truncate silently or allocate gigabytes.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { decodeModel } from '../../../electron/core/onnx/decode';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { ModelLimitError } from '../../../electron/core/onnx/limits';
import { openModelBytes } from '../../../electron/core/onnx/open';
import { tensorValues } from '../../../electron/core/onnx/values';
import { DT } from '../../builders/graph';

/** A varint of any 64-bit value; negative numbers as int64 two's complement (10 bytes). */
function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}
type Part = Uint8Array | number[];
const cat = (...parts: Part[]): Uint8Array => Buffer.concat(parts.map((p) => Uint8Array.from(p)));
const tag = (field: number, wire: number) => varint(field * 8 + wire);
/** A length-delimited field whose length prefix is `len` (a lie, when it differs from the body's). */
const lenField = (field: number, body: Part, len: number | bigint = body.length) =>
  cat(tag(field, 2), varint(len), body);
const str = (field: number, s: string) => lenField(field, Buffer.from(s));
const intField = (field: number, v: number | bigint) => cat(tag(field, 0), varint(v));

/** ModelProto{ir_version 8, opset 17, graph} around a graph body. */
const modelAround = (graph: Part) => cat(intField(1, 8), lenField(8, intField(2, 17)), lenField(7, graph));
/** GraphProto body: one Identity x → y, where y's TypeProto is `type`. */
const graphWithOutputType = (type: Part) =>
  cat(
    lenField(1, cat(str(1, 'x'), str(2, 'y'), str(4, 'Identity'))),
    str(2, 'g'),
    lenField(11, str(1, 'x')),
    lenField(12, cat(str(1, 'y'), lenField(2, type))),
  );
/** A float tensor output type, for graphs that only need a valid one. */
const floatType = () => lenField(1, intField(1, DT.float32));
/** A model whose graph holds one initializer: TensorProto{float, name w, ...fields}. */
const modelWithTensor = (...fields: Part[]) =>
  modelAround(cat(graphWithOutputType(floatType()), lenField(5, cat(intField(2, DT.float32), str(8, 'w'), ...fields))));

const FILE = 'crafted.onnx';
const where = path.join('/nonexistent-kiln-test', FILE);

/** Opens `bytes` and returns the KilnError it must end in (failing the test on anything else). */
function refusal(bytes: Uint8Array): KilnError {
  try {
    analyzeModelBytes(bytes, where, FILE);
  } catch (e) {
    if (!(e instanceof KilnError)) throw new Error(`not a KilnError: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.message).toContain(FILE);
    // The plain-language message leads; the decoder's technical reason is kept underneath it.
    const detail = e.details?.detail;
    if (typeof detail === 'string') e.message = `${e.message}\n${detail}`;
    return e;
  }
  throw new Error('the crafted file opened');
}

describe('lengths and varints (issue 20, item 2)', () => {
  it('an 11-byte file with a negative length is refused at that byte, not read backwards onto the same tag', () => {
    // opset_import (field 8) whose length is -11: the reader used to jump back to byte 0 forever.
    const bytes = lenField(8, [], -11);
    expect(bytes.length).toBe(11);
    const e = refusal(bytes);
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/length .*negative/);
    expect(e.details?.offset).toBe(1);
  });

  it('a negative length inside a field that is skipped does not spin', () => {
    // TypeProto.Tensor with an unknown length-delimited field 3 of length -11: skipping it went back to its tag.
    const tensorType = cat(intField(1, DT.float32), lenField(3, [], -11));
    const e = refusal(modelAround(graphWithOutputType(lenField(1, tensorType))));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/negative/);
  });

  it('every negative length from -1 to -64, in fields of every message kind, is refused', () => {
    const node = lenField(1, cat(str(1, 'x'), str(2, 'y'), str(4, 'Identity')));
    const body = cat(node, str(2, 'g'));
    for (let n = -1; n >= -64; n--) {
      const cases = {
        model: lenField(7, [], n),
        graph: modelAround(cat(lenField(1, [], n), body)),
        node: modelAround(cat(lenField(1, lenField(1, [], n)), body)),
        attribute: modelAround(cat(lenField(1, lenField(5, lenField(1, [], n))), body)),
        'tensor name': modelAround(cat(body, lenField(5, lenField(8, [], n)))),
        'raw data': modelAround(cat(body, lenField(5, lenField(9, [], n)))),
        'packed dims': modelAround(cat(body, lenField(5, lenField(1, [], n)))),
        'packed floats': modelAround(cat(body, lenField(5, lenField(4, [], n)))),
        'value info': modelAround(cat(body, lenField(13, lenField(2, [], n)))),
        shape: modelAround(graphWithOutputType(lenField(1, lenField(2, [], n)))),
        dimension: modelAround(graphWithOutputType(lenField(1, lenField(2, lenField(1, [], n))))),
        'dimension name': modelAround(graphWithOutputType(lenField(1, lenField(2, lenField(1, lenField(2, [], n)))))),
        'sequence type': modelAround(graphWithOutputType(lenField(4, lenField(1, [], n)))),
        'map type': modelAround(graphWithOutputType(lenField(5, lenField(2, [], n)))),
        function: cat(modelAround(body), lenField(25, lenField(7, [], n))),
      };
      for (const [what, bytes] of Object.entries(cases)) {
        const e = refusal(bytes);
        expect(e.code, what).toBe('NOT_ONNX');
        expect(e.message, what).toMatch(/negative/);
      }
    }
  });

  it('an over-long varint is refused, not truncated: a length of 2^40 is not read as 0', () => {
    const e = refusal(cat(tag(7, 2), varint(2 ** 40)));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/too large|runs past/);
  });

  it('a tag or an enum over 32 bits is refused, not truncated', () => {
    // Tag 2^40 + (field 1, varint): the reader used to keep the low bits and read field 1.
    expect(refusal(cat(varint(2 ** 40 + 8), [8])).code).toBe('NOT_ONNX');
    // TensorProto.data_type = 2^40 + 1 used to read as FLOAT.
    const e = refusal(modelWithTensor(intField(2, 2 ** 40 + 1), lenField(9, [0, 0, 0, 0]), intField(1, 1)));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/too large/);
  });

  it('varints longer than 10 bytes, or overflowing 64 bits, are refused', () => {
    const irVersion = (v: number[]) => cat(tag(1, 0), v);
    // 11 bytes.
    expect(refusal(irVersion([0x88, ...new Array<number>(9).fill(0x80), 0])).code).toBe('NOT_ONNX');
    // 10 bytes whose last one carries bits past 64 (only bit 63 fits there).
    const e = refusal(irVersion([0x88, ...new Array<number>(8).fill(0x80), 0x7f]));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/64 bits/);
  });

  it('a negative int32 enum encoded in 10 bytes still reads (valid protobuf)', () => {
    // A data_type of -2 is nonsense but valid wire format: the file opens and the tensor's type reads as -2.
    const opened = openModelBytes(modelWithTensor(intField(2, -2), intField(1, 1)), where, FILE);
    expect(opened.model.graph!.initializer[0]!.dataType).toBe(-2);
  });

  it('dims beyond 2^53 are refused by name; an int64 attribute of INT64_MAX (a Slice end) still opens', () => {
    for (const dims of [intField(1, 2n ** 60n), lenField(1, varint(-(2n ** 60n)))]) {
      const e = refusal(modelWithTensor(dims));
      expect(e.code).toBe('NOT_ONNX');
      expect(e.message).toMatch(/2\^53/);
    }
    const shape = lenField(1, cat(intField(1, DT.float32), lenField(2, lenField(1, intField(1, 2n ** 62n)))));
    expect(refusal(modelAround(graphWithOutputType(shape))).message).toMatch(/2\^53/);

    // An attribute i = INT64_MAX (varint of 2^63 - 1) appended to the node is kept as the nearest double.
    const withAttr = modelAround(
      cat(
        lenField(
          1,
          cat(
            str(1, 'x'),
            str(1, 'starts'),
            str(1, 'ends'),
            str(2, 'y'),
            str(4, 'Slice'),
            lenField(5, cat(str(1, 'big'), intField(20, 2), intField(3, 2n ** 63n - 1n))),
          ),
        ),
        str(2, 'g'),
        lenField(11, str(1, 'x')),
        lenField(12, cat(str(1, 'y'), floatType())),
      ),
    );
    expect(openModelBytes(withAttr, where, FILE).model.graph!.node[0]!.attribute[0]!.i).toBe(2 ** 63);
  });
});

describe('int64 values beyond 2^53 written back', () => {
  it('INT64_MAX and INT64_MIN attributes (Slice ends and starts) re-encode byte for byte, not with their sign flipped', () => {
    const attr = (name: string, ...fields: Uint8Array[]) => lenField(5, cat(str(1, name), ...fields));
    const node = lenField(
      1,
      cat(
        str(1, 'x'),
        str(2, 'y'),
        str(4, 'Slice'),
        attr('ends', intField(8, 2n ** 63n - 1n), intField(8, -(2n ** 63n)), intField(20, 7)),
        attr('end', intField(3, 2n ** 63n - 1n), intField(20, 2)),
      ),
    );
    const bytes = cat(
      intField(1, 8),
      lenField(7, cat(node, str(2, 'g'), lenField(11, str(1, 'x')), lenField(12, str(1, 'y')))),
      lenField(8, intField(2, 9)),
    );
    const m = decodeModel(bytes);
    expect(m.graph!.node[0]!.attribute[0]!.ints).toEqual([2 ** 63, -(2 ** 63)]);
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('repeated fields far bigger than a model needs (issue 20, item 6)', () => {
  /** Runs `fn`, returning how far the process's memory (RSS) grew past where it started, in MB. */
  function growthMB(fn: () => void): number {
    const before = process.memoryUsage().rss;
    fn();
    return (process.memoryUsage().rss - before) / 2 ** 20;
  }

  it('packed dims of 50M zeros are refused by name without materialising them', () => {
    const bytes = modelWithTensor(lenField(1, new Uint8Array(50_000_000)));
    let e: KilnError | undefined;
    const grown = growthMB(() => (e = refusal(bytes)));
    expect(e!.code).toBe('UNSUPPORTED');
    expect(e!.message).toMatch(/dimensions/);
    console.log(`packed dims: RSS grew ${grown.toFixed(0)} MB`);
    expect(grown).toBeLessThan(200);
  });

  it('10M unpacked dims, and a shape of 10M dimensions, are refused by name', () => {
    const unpacked = new Uint8Array(20_000_000);
    for (let i = 0; i < unpacked.length; i += 2) unpacked[i] = 8; // tag (field 1, varint), value 0
    let e: KilnError | undefined;
    const tensorBytes = modelWithTensor(unpacked);
    let grown = growthMB(() => (e = refusal(tensorBytes)));
    expect(e!.code).toBe('UNSUPPORTED');
    expect(e!.message).toMatch(/dimensions/);
    expect(grown).toBeLessThan(200);

    // TensorShapeProto.dim × 10M, each an empty Dimension (2 bytes).
    const dims = new Uint8Array(20_000_000);
    for (let i = 0; i < dims.length; i += 2) dims[i] = 0x0a;
    const type = lenField(1, cat(intField(1, DT.float32), lenField(2, dims)));
    // The 20 MB model is built before the measure: only what reading it costs counts.
    const shapeBytes = modelAround(graphWithOutputType(type));
    grown = growthMB(() => (e = refusal(shapeBytes)));
    expect(e!.code).toBe('UNSUPPORTED');
    expect(e!.message).toMatch(/dimensions/);
    expect(grown).toBeLessThan(200);
  });

  it('a packed attribute list of 40M zeros is refused by name before it is decoded', () => {
    const ints = lenField(8, new Uint8Array(40_000_000)); // AttributeProto.ints, packed
    const node = lenField(1, cat(str(1, 'x'), str(2, 'y'), str(4, 'Identity'), lenField(5, cat(str(1, 'big'), ints))));
    const bytes = modelAround(cat(node, str(2, 'g'), lenField(11, str(1, 'x')), lenField(12, str(1, 'y'))));
    let e: KilnError | undefined;
    const grown = growthMB(() => (e = refusal(bytes)));
    expect(e!.code).toBe('UNSUPPORTED');
    expect(e!.message).toMatch(/values in repeated fields/);
    expect(grown).toBeLessThan(200);
  });

  it('floods of empty messages and of names past the decode budget are refused by name', () => {
    // The budget's real limits take gigabytes to reach: the same counting, with lower limits.
    const flood = (tagByte: number, n: number) => {
      const body = new Uint8Array(2 * n);
      for (let i = 0; i < body.length; i += 2) body[i] = tagByte;
      return body;
    };
    const limits = { messages: 10_000, repeatedValues: 10_000 };
    const cases = {
      nodes: modelAround(flood(0x0a, 20_000)), // GraphProto.node × 20k, empty
      initializers: modelAround(flood(0x2a, 20_000)),
      'value infos': modelAround(flood(0x6a, 20_000)),
      'unknown fields': modelAround(flood(0x18, 20_000)), // GraphProto field 3, varint 0
      opsets: cat(flood(0x42, 20_000)), // ModelProto.opset_import × 20k, empty
      'attribute strings': modelAround(lenField(1, lenField(5, flood(0x4a, 20_000)))),
      'node inputs': modelAround(lenField(1, flood(0x0a, 20_000))),
      'attribute floats': modelAround(lenField(1, lenField(5, lenField(7, new Uint8Array(4 * 20_000))))),
    };
    for (const [what, bytes] of Object.entries(cases)) {
      expect(() => decodeModel(bytes, { limits }), what).toThrow(ModelLimitError);
      expect(() => decodeModel(bytes), what).not.toThrow();
    }
  });

  it('typed data holding far more values than its dims is warned about on open, and not decoded when read', () => {
    // A float tensor of dims [1] whose float_data (packed) holds 2M values.
    const bytes = modelWithTensor(intField(1, 1), lenField(4, new Uint8Array(8_000_000)));
    const opened = openModelBytes(bytes, where, FILE);
    expect(opened.warnings.join('\n')).toMatch(
      /tensor w: its dims \[1\] make 1 elements .* but it stores 2000000 values/,
    );
    const w = opened.model.graph!.initializer[0]!;
    expect(() => tensorValues(w, { path: where, bytes })).toThrow(/stores 2000000 values; its dims hold 1/);
  });

  it('an empty packed run of typed data holds no values (it used to read one from the next field)', () => {
    const floats = (...v: number[]) => lenField(4, new Uint8Array(Float32Array.from(v).buffer));
    const empty = openModelBytes(modelWithTensor(intField(1, 0), floats()), where, FILE);
    expect(Array.from(tensorValues(empty.model.graph!.initializer[0]!, { path: where, bytes: empty.bytes }))).toEqual(
      [],
    );
    const two = openModelBytes(modelWithTensor(intField(1, 2), floats(), floats(1.5, 2.5)), where, FILE);
    expect(two.warnings.join('\n')).not.toMatch(/tensor w/);
    expect(Array.from(tensorValues(two.model.graph!.initializer[0]!, { path: where, bytes: two.bytes }))).toEqual([
      1.5, 2.5,
    ]);
  });
});
