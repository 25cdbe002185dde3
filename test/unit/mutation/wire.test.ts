/**
 * The protobuf wire reader on bytes written out by hand (and by Kiln's own writer for long
 * varints): every varint length and its 32-bit and 64-bit limits, negative int32 enums and int64
 * values, fixed-width floats, length prefixes that lie, every wire type skipped, and the byte
 * offset each error names; UTF-8 decoding of ASCII, non-ASCII and invalid bytes from Buffers and
 * plain arrays; and string interning across thousands of names. A reader that misreads quietly
 * turns a model into a different model (npm run mutate -- wire).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeString,
  StringTable,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  WireReader,
  WireWriter,
} from '../../../electron/core/onnx/wire';

const reader = (bytes: number[], start = 0, end = bytes.length) => new WireReader(Uint8Array.from(bytes), start, end);

/** What `read` throws on `bytes`: the offset and reason. */
function failure(bytes: number[], read: (r: WireReader) => unknown, end = bytes.length) {
  try {
    read(reader(bytes, 0, end));
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    const w = e as WireError;
    expect(w.message).toBe(`protobuf decode failed at byte ${w.offset}: ${w.reason}`);
    return { offset: w.offset, reason: w.reason };
  }
  throw new Error('did not throw');
}

function varintBytes(v: number): number[] {
  const w = new WireWriter();
  w.varint(v);
  return Array.from(w.finish());
}

describe('uint32', () => {
  it('reads one to five bytes', () => {
    expect(reader([0]).uint32()).toBe(0);
    expect(reader([0x7f]).uint32()).toBe(127);
    expect(reader([0x80, 0x01]).uint32()).toBe(128);
    expect(reader([0xac, 0x02]).uint32()).toBe(300);
    expect(reader([0xff, 0xff, 0x7f]).uint32()).toBe(2 ** 21 - 1);
    expect(reader([0x80, 0x80, 0x80, 0x01]).uint32()).toBe(2 ** 21);
    expect(reader([0xff, 0xff, 0xff, 0x7f]).uint32()).toBe(2 ** 28 - 1);
    expect(reader([0x80, 0x80, 0x80, 0x80, 0x01]).uint32()).toBe(2 ** 28);
    expect(reader([0xff, 0xff, 0xff, 0xff, 0x0f]).uint32()).toBe(2 ** 32 - 1);
    expect(reader([0x81, 0x80, 0x80, 0x80, 0x08]).uint32()).toBe(2 ** 31 + 1);
  });

  it('advances past exactly the bytes it read', () => {
    const r = reader([0xac, 0x02, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect([r.uint32(), r.pos]).toEqual([300, 2]);
    expect([r.uint32(), r.pos]).toEqual([5, 3]);
    expect([r.uint32(), r.pos]).toEqual([2 ** 32 - 1, 8]);
    expect(r.done).toBe(false);
    expect(r.uint32()).toBe(1);
    expect(r.done).toBe(true);
  });

  it('reads negative int32 enums, sign-extended to ten bytes', () => {
    expect(reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).uint32()).toBe(-1);
    expect(reader([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).uint32()).toBe(-2);
    expect(reader([0x80, 0x80, 0x80, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).uint32()).toBe(-(2 ** 28));
    const r = reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x07]);
    r.uint32();
    expect([r.pos, r.uint32()]).toEqual([10, 7]);
  });
});

describe('int64', () => {
  it('reads every length up to 2^53 exactly (the values Kiln writes)', () => {
    for (const v of [
      0,
      1,
      127,
      128,
      300,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 35 + 7,
      2 ** 49 + 3,
      2 ** 53 - 1,
    ]) {
      const bytes = varintBytes(v);
      const r = reader(bytes);
      expect(r.int64()).toBe(v);
      expect(r.pos).toBe(bytes.length);
    }
    expect(reader([0x80, 0x80, 0x80, 0x80, 0x10]).int64()).toBe(2 ** 32);
    expect(reader([0xff, 0xff, 0xff, 0xff, 0x7f]).int64()).toBe(2 ** 35 - 1);
  });

  it('reads negative values from their ten-byte two’s complement, low words of zero included', () => {
    for (const v of [-1, -2, -127, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, -3 * 2 ** 32, -(2 ** 53 - 1)]) {
      const bytes = varintBytes(v);
      expect(bytes).toHaveLength(10);
      expect(reader(bytes).int64()).toBe(v);
    }
  });
});

describe('fixed-width values', () => {
  it('reads little-endian floats and doubles at any offset of any buffer view', () => {
    const w = new WireWriter();
    w.raw(Uint8Array.of(9));
    w.float(1.5);
    w.double(-2.25e300);
    w.float(-0);
    const backing = new Uint8Array(64);
    const bytes = w.finish();
    backing.set(bytes, 5);
    const view = backing.subarray(5, 5 + bytes.length);
    const r = new WireReader(view, 1, view.length);
    expect(r.float()).toBe(1.5);
    expect(r.pos).toBe(5);
    expect(r.double()).toBe(-2.25e300);
    expect(r.pos).toBe(13);
    expect(Object.is(r.float(), -0)).toBe(true);
    expect(r.done).toBe(true);
  });

  it('refuses a float or double cut short by the message end', () => {
    expect(failure([0, 0, 0x80], (r) => r.float())).toEqual({
      offset: 0,
      reason: 'unexpected end of message in a float',
    });
    expect(failure([0, 0, 0, 0, 0, 0, 0], (r) => r.double())).toEqual({
      offset: 0,
      reason: 'unexpected end of message in a double',
    });
    expect(failure([0, 0, 0x80, 0x3f, 0], (r) => r.float(), 3)).toMatchObject({ offset: 0 });
    expect(reader([0, 0, 0x80, 0x3f]).float()).toBe(1);
    expect(reader([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]).double()).toBe(1);
  });
});

describe('length-delimited fields', () => {
  it('span returns where the payload starts and sets spanEnd; string and bytes read it', () => {
    const r = reader([0x03, 0x61, 0x62, 0x63, 0x02, 0xc3, 0xa9, 0x00, 0x02, 0x07, 0x08]);
    expect(r.span()).toBe(1);
    expect([r.spanEnd, r.pos]).toEqual([4, 4]);
    r.pos = 0;
    expect(r.string()).toBe('abc');
    expect(r.string()).toBe('é');
    expect(r.string()).toBe('');
    const b = r.bytes();
    expect(Array.from(b)).toEqual([7, 8]);
    expect(b.buffer).toBe(r.buf.buffer); // a view, not a copy
    expect(r.done).toBe(true);
  });

  it('refuses a length that runs past the message end, at the length prefix', () => {
    expect(failure([0x01, 0x04, 0x61, 0x62, 0x63], (r) => (r.uint32(), r.span()))).toEqual({
      offset: 1,
      reason: 'length 4 runs past the end of its message (3 bytes left)',
    });
    expect(failure([0x03, 0x61, 0x62, 0x63], (r) => r.string(), 3)).toEqual({
      offset: 0,
      reason: 'length 3 runs past the end of its message (2 bytes left)',
    });
    expect(reader([0x02, 0x61, 0x62]).string()).toBe('ab'); // exactly to the end is fine
  });
});

describe('skip', () => {
  it('skips each wire type by its own length', () => {
    const r = reader([
      ...[0xac, 0x02], // varint
      ...[1, 2, 3, 4, 5, 6, 7, 8], // i64
      ...[0x02, 9, 9], // len
      ...[1, 2, 3, 4], // i32
      0x2a,
    ]);
    r.skip(WIRE_VARINT);
    expect(r.pos).toBe(2);
    r.skip(WIRE_I64);
    expect(r.pos).toBe(10);
    r.skip(WIRE_LEN);
    expect(r.pos).toBe(13);
    r.skip(WIRE_I32);
    expect(r.pos).toBe(17);
    expect(r.uint32()).toBe(42);
    expect([WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32]).toEqual([0, 1, 2, 5]);
  });

  it('skips a ten-byte negative varint', () => {
    const r = reader([...varintBytes(-5), 0x07]);
    r.skip(WIRE_VARINT);
    expect(r.uint32()).toBe(7);
  });

  it('refuses fixed fields cut short, and groups and unknown wire types', () => {
    expect(failure([1, 2, 3, 4, 5, 6, 7], (r) => r.skip(WIRE_I64))).toEqual({
      offset: 0,
      reason: 'unexpected end of message',
    });
    expect(failure([1, 2, 3], (r) => r.skip(WIRE_I32))).toEqual({ offset: 0, reason: 'unexpected end of message' });
    expect(reader([1, 2, 3, 4, 5, 6, 7, 8]).skip(WIRE_I64)).toBeUndefined();
    expect(reader([1, 2, 3, 4]).skip(WIRE_I32)).toBeUndefined();
    for (const wire of [3, 4, 6, 7]) {
      expect(failure([0, 0], (r) => ((r.pos = 1), r.skip(wire)))).toEqual({
        offset: 1,
        reason: `invalid wire type ${wire}`,
      });
    }
    expect(failure([0x05, 0x61], (r) => r.skip(WIRE_LEN))).toMatchObject({ offset: 0 });
  });

  it('done is false before the end and true at it', () => {
    const r = reader([1, 2], 0, 1);
    expect(r.done).toBe(false);
    r.uint32();
    expect(r.done).toBe(true);
    expect(reader([], 0, 0).done).toBe(true);
  });
});

describe('decodeString', () => {
  const ascii = 'layer.0/attention/MatMul';
  const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));

  it('decodes ASCII, non-ASCII and long strings, from Buffers and plain arrays, at an offset', () => {
    const long = 'x'.repeat(200) + 'é';
    for (const s of ['', 'a', ascii, 'naïve/é/Ω/😀', 'y'.repeat(128), 'z'.repeat(129), long]) {
      const framed = `<<${s}>>`;
      const b = bytes(framed);
      const end = b.length - 2;
      expect(decodeString(b, 2, end)).toBe(s);
      expect(decodeString(Buffer.from(b), 2, end)).toBe(s);
    }
  });

  it('a byte of 0x80 or more is UTF-8, not Latin-1 (invalid sequences become U+FFFD)', () => {
    for (const b of [Uint8Array.of(0x61, 0x80), Buffer.from([0x61, 0x80]), Uint8Array.of(0x61, 0xff, 0x62)]) {
      const s = decodeString(b, 0, b.length);
      expect(s.startsWith('a\ufffd')).toBe(true);
    }
  });
});

describe('StringTable', () => {
  it('returns each distinct string once, with a dense id; the empty string and long ones get none', () => {
    const names = ['conv1', 'relu', 'conv1', 'é-name', 'relu', ''];
    const buf = Buffer.from(names.join('|'), 'utf8');
    const t = new StringTable(buf);
    const got: [string, number][] = [];
    let at = 0;
    for (const n of names) {
      const len = Buffer.byteLength(n);
      got.push([t.get(at, at + len), t.lastId]);
      at += len + 1;
    }
    expect(got).toEqual([
      ['conv1', 0],
      ['relu', 1],
      ['conv1', 0],
      ['é-name', 2],
      ['relu', 1],
      ['', -1],
    ]);
    expect(t.values).toEqual(['conv1', 'relu', 'é-name']);
    // Identical strings are the same string object.
    expect(t.get(0, 5)).toBe(t.values[0]);
    const long = Buffer.from('q'.repeat(1025));
    const lt = new StringTable(long);
    expect(lt.get(0, 1025)).toBe('q'.repeat(1025));
    expect(lt.lastId).toBe(-1);
    expect(lt.values).toEqual([]);
    expect(lt.get(0, 1024)).toBe('q'.repeat(1024));
    expect(lt.lastId).toBe(0);
  });

  it('a fresh table has returned nothing; the same name followed by different bytes is the same entry', () => {
    const buf = Buffer.from('convXconvYconv');
    const t = new StringTable(buf);
    expect(t.lastId).toBe(-1);
    expect([t.get(0, 4), t.lastId]).toEqual(['conv', 0]);
    expect([t.get(5, 9), t.lastId]).toEqual(['conv', 0]);
    expect([t.get(10, 14), t.lastId]).toEqual(['conv', 0]);
    expect(t.values).toEqual(['conv']);
  });

  it('tells apart names that share a prefix, differ in the last byte or only in length, from plain arrays too', () => {
    const names = ['/block/conv', '/block/conv2', '/block/conW', '/block/con', 'abcd', 'abce', 'abc', 'abcdé', 'abcdè'];
    const joined = names.join('');
    for (const buf of [Buffer.from(joined, 'utf8'), Uint8Array.from(Buffer.from(joined, 'utf8'))]) {
      const t = new StringTable(buf);
      let at = 0;
      const seen = names.map((n) => {
        const len = Buffer.byteLength(n);
        const s = t.get(at, at + len);
        at += len;
        return s;
      });
      expect(seen).toEqual(names);
      expect(t.values).toEqual(names);
    }
  });

  it('non-ASCII bytes anywhere (in a four-byte word or the tail) decode as UTF-8', () => {
    const names = ['éabcdefg', 'abcdéfgh', 'abcdefgé', 'abcdefgh'];
    const buf = Buffer.from(names.join(''), 'utf8');
    const t = new StringTable(buf);
    let at = 0;
    for (const n of names) {
      const len = Buffer.byteLength(n);
      expect(t.get(at, at + len)).toBe(n);
      at += len;
    }
  });

  it('keeps every name and id through table growth (thousands of names, many sharing hash slots)', () => {
    const names = Array.from({ length: 9000 }, (_, i) => `/model/layers.${i}/mlp/fc${i % 7}/MatMul_output_0`);
    const offsets: [number, number][] = [];
    let text = '';
    for (const n of names) {
      offsets.push([text.length, text.length + n.length]);
      text += n;
    }
    const t = new StringTable(Buffer.from(text, 'latin1'));
    const read = (i: number) => [t.get(offsets[i]![0], offsets[i]![1]), t.lastId] as const;
    const wrong: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const [s, id] = read(i);
      if (s !== names[i] || id !== i) wrong.push(i);
    }
    // Again, in reverse: found, not added.
    for (let i = names.length - 1; i >= 0; i--) {
      const [s, id] = read(i);
      if (s !== names[i] || id !== i) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(t.values).toHaveLength(9000);
  });
});
