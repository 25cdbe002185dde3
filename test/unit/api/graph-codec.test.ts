/**
 * The graph payload's binary form and the frames that carry bytes: what goes in comes out (names
 * with any characters, unknown types, empty graphs, FLOPs), whatever the offset the bytes arrive
 * at; damaged bytes are refused, not misread; and a client reading `model.graph` over the
 * in-process transport gets a GraphPayload back, as the page does over the WebSocket. `lazily`, which
 * the codec decodes lists of names with, is tested here too.
 */
import { describe, expect, it } from 'vitest';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { directClient } from '../../../electron/shared/api/direct';
import { joinFrame, readServerFrame, serverFrame } from '../../../electron/shared/api/frames';
import { decodeGraphPayload, encodeGraphPayload, lazily } from '../../../electron/shared/api/graph-codec';
import { badPayload, transformerPayload } from '../../bench/graph-payload';

function withOddNames(): GraphPayload {
  const p = transformerPayload(2);
  const names = [...p.nodeName];
  names[0] = 'ünïcødé/层/🙂/a';
  names[1] = `lone ${String.fromCharCode(0xd800)} surrogate`;
  names[2] = '';
  const tensorType = [...p.tensorType];
  tensorType[0] = null;
  tensorType[1] = { dtype: 'float32', dims: null };
  tensorType[2] = { dtype: 'int64', dims: ['batch', null, 3] };
  return {
    ...p,
    nodeName: names,
    tensorType,
    nodeFlops: Float64Array.from(names, (_, i) => i * 1e12),
    nodeParams: Float64Array.from(names, (_, i) => i),
    subgraphs: [{ node: 3, attribute: 'then_branch', graph: 7 }],
    notes: ['a note'],
  };
}

/** As the decoder gives it back: a lone surrogate becomes U+FFFD (UTF-8 cannot carry it). */
function expected(p: GraphPayload): GraphPayload {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  return { ...p, nodeName: p.nodeName.map((n) => n.replace(lone, '\ufffd')) };
}

describe('graph payload codec', () => {
  it.each([
    ['a transformer', transformerPayload(3)],
    ['names of 10,000 characters', badPayload('longnames')],
    ['an empty graph', badPayload('empty')],
    ['odd names, unknown types, FLOPs, subgraphs and notes', withOddNames()],
  ])('%s: what goes in comes out', (_, payload) => {
    const bytes = encodeGraphPayload(payload);
    expect(decodeGraphPayload(bytes)).toEqual(expected(payload));
  });

  it('a list of names given already encoded is written as given, and the payload list is not read', () => {
    const p = withOddNames();
    const strings = encodeGraphPayload(p);
    const utf8 = new TextEncoder();
    const given = {
      lengths: Uint32Array.from(p.tensorName, (n) => n.length),
      bytes: utf8.encode(p.tensorName.join('')),
    };
    const unread = { ...p };
    Object.defineProperty(unread, 'tensorName', {
      enumerable: true,
      get: () => {
        throw new Error('tensorName was read');
      },
    });
    expect(encodeGraphPayload(unread, { tensorName: given })).toEqual(strings);
    expect(() => encodeGraphPayload(unread)).toThrow('tensorName was read');
  });

  it('names are decoded when first read, then kept; a list can be replaced', () => {
    const p = transformerPayload(2);
    const back = decodeGraphPayload(encodeGraphPayload(p));
    const unread = (key: 'nodeName' | 'tensorName' | 'groupName') =>
      Object.getOwnPropertyDescriptor(back, key)?.get !== undefined;
    expect(unread('nodeName') && unread('tensorName') && unread('groupName')).toBe(true);
    // the structure is read without them
    expect(back.nodeOp.length).toBe(p.nodeName.length);
    expect(back.tensorName).toEqual(p.tensorName);
    expect(unread('tensorName')).toBe(false);
    expect(back.tensorName).toBe(back.tensorName);
    expect(unread('nodeName')).toBe(true);
    back.nodeName = ['replaced'];
    expect(back.nodeName).toEqual(['replaced']);
  });

  it('ids come back as typed arrays, names as strings, equal types as one shared object', () => {
    const p = decodeGraphPayload(encodeGraphPayload(transformerPayload(2)));
    expect(p.nodeOp).toBeInstanceOf(Int32Array);
    expect(p.edgeFrom).toBeInstanceOf(Int32Array);
    expect(typeof p.nodeName[0]).toBe('string');
    const weights = p.tensorName.map((n, i) => (n.endsWith('q_proj.bias') ? p.tensorType[i] : undefined));
    const [a, b] = weights.filter(Boolean);
    expect(a).toBe(b);
  });

  it('reads bytes at any offset (a frame hands them over in the middle of a buffer)', () => {
    const bytes = encodeGraphPayload(transformerPayload(2));
    for (const offset of [1, 3, 4, 8]) {
      const buf = new Uint8Array(bytes.byteLength + offset);
      buf.set(bytes, offset);
      expect(decodeGraphPayload(buf.subarray(offset))).toEqual(transformerPayload(2));
      // Node's Buffer too (its slice() is a view, not a copy)
      const node = Buffer.from(buf.buffer, buf.byteOffset + offset, bytes.byteLength);
      expect(decodeGraphPayload(node)).toEqual(transformerPayload(2));
    }
  });

  it('refuses what is not a payload, or is cut short', () => {
    const bytes = encodeGraphPayload(transformerPayload(2));
    expect(() => decodeGraphPayload(new TextEncoder().encode('{"ops": []}'))).toThrow(/not a graph payload/);
    expect(() => decodeGraphPayload(bytes.subarray(0, 12))).toThrow(/cut short/);
    expect(() => decodeGraphPayload(bytes.subarray(0, bytes.byteLength - 100))).toThrow(/cut short/);
  });
});

describe('lazily', () => {
  it('makes each object its own value once, through one shared accessor', () => {
    let made = 0;
    const one: { names?: string[] } = {};
    const two: { names?: string[] } = {};
    lazily(one, 'names', () => (made++, ['a']));
    lazily(two, 'names', () => (made++, ['b', 'c']));
    expect(Object.getOwnPropertyDescriptor(one, 'names')?.get).toBe(Object.getOwnPropertyDescriptor(two, 'names')?.get);
    expect(made).toBe(0);
    expect(Object.keys(one)).toEqual(['names']);
    expect(two.names).toEqual(['b', 'c']);
    expect(two.names).toBe(two.names);
    expect(one.names).toEqual(['a']);
    expect(made).toBe(2);
    // read once, it is an ordinary property
    expect(Object.getOwnPropertyDescriptor(one, 'names')?.value).toEqual(['a']);
  });

  it('serves a copy of its descriptors, a proxy and a child object the same values', () => {
    const out: { names?: string[] } = {};
    lazily(out, 'names', () => ['n']);
    const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(out)) as typeof out;
    const child = Object.create(out) as typeof out;
    const proxy = new Proxy(out, {});
    expect(copy.names).toEqual(['n']);
    expect(child.names).toEqual(['n']);
    expect(proxy.names).toEqual(['n']);
    expect(out.names).toEqual(['n']);
    // and never as a field of their own: not listed, spread, cloned or serialised
    expect(Object.keys(out)).toEqual(['names']);
    expect(JSON.stringify(out)).toBe('{"names":["n"]}');
    expect(structuredClone(out)).toEqual({ names: ['n'] });
  });

  it('takes a value set before the first read, and never makes one then', () => {
    const out: { names?: string[] } = {};
    lazily(out, 'names', () => {
      throw new Error('made after a set');
    });
    out.names = ['set'];
    expect(out.names).toEqual(['set']);
  });

  it('serves decoded payloads their own names', () => {
    const payload = (names: string[]) =>
      decodeGraphPayload(
        encodeGraphPayload({
          ops: ['Relu'],
          nodeName: names,
          nodeOp: new Int32Array(names.length),
          nodeGroup: new Int32Array(names.length).fill(-1),
          edgeFrom: new Int32Array(0),
          edgeTo: new Int32Array(0),
          edgeTensor: new Int32Array(0),
          tensorName: [],
          tensorType: [],
          groupName: [],
          groupParent: new Int32Array(0),
          subgraphs: [],
        }),
      );
    const [x, y] = [payload(['x0', 'x1']), payload(['y0'])];
    expect(y.nodeName).toEqual(['y0']);
    expect(x.nodeName).toEqual(['x0', 'x1']);
  });
});

describe('frames', () => {
  it('a result that is bytes goes as one binary frame and comes back as the same message', () => {
    const value = encodeGraphPayload(transformerPayload(1));
    const frame = serverFrame({ type: 'result', id: 'x-1', ok: true, value });
    expect(Array.isArray(frame)).toBe(true);
    // the value goes as it is, after a head of whole 8-byte words (so it stays aligned)
    expect((frame as Uint8Array[])[1]).toBe(value);
    expect((frame as Uint8Array[])[0]!.byteLength % 8).toBe(0);
    const back = readServerFrame((joinFrame(frame) as Uint8Array).slice().buffer) as { id: string; value: Uint8Array };
    expect(back.id).toBe('x-1');
    expect(Array.from(back.value)).toEqual(Array.from(value));
  });

  it('everything else is JSON text; bytes or text that are not frames read as null', () => {
    const progress = { type: 'progress', id: 'x-2', progress: { fraction: 0.5, stage: 'half' } } as const;
    expect(serverFrame(progress)).toBe(JSON.stringify(progress));
    expect(readServerFrame(JSON.stringify(progress))).toEqual(progress);
    expect(readServerFrame('not json')).toBeNull();
    expect(readServerFrame(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBeNull();
  });

  it('a client gets model.graph back as a GraphPayload (decoded from the bytes the host sent)', async () => {
    const payload = transformerPayload(2);
    const client = directClient(async (method) => {
      if (method !== 'model.graph') throw new Error(`unexpected ${method}`);
      return encodeGraphPayload(payload);
    });
    const got = await client.call('model.graph', { source: { kind: 'path', path: '/m.onnx' } });
    expect(got).toEqual(payload);
  });
});
