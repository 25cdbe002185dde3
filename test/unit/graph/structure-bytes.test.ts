/**
 * The layout's columns read straight from a graph payload's bytes (renderer/src/graph/
 * structure-bytes.ts), so the layout worker starts while the page decodes: they must be exactly the
 * columns the decoded payload gives, on every kind of real model and on bad payloads; bytes that
 * are not a payload give null; and the worker is asked once per payload, by bytes or by payload.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphPayloadFromIR } from '../../../electron/core/graph/from-ir';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { decodeGraphPayload, encodeGraphPayload } from '../../../electron/shared/api/graph-codec';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { structureColumns } from '../../../renderer/src/graph/model';
import type { PrepareRequest } from '../../../renderer/src/graph/protocol';
import type { StructureColumns } from '../../../renderer/src/graph/structure';
import { structureColumnsFromBytes } from '../../../renderer/src/graph/structure-bytes';
import { badPayload, transformerPayload } from '../../bench/graph-payload';
import { dynamicQuantized } from '../../builders/quantized';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const payloadOf = (bytes: Uint8Array, name: string): GraphPayload =>
  graphPayloadFromIR(analyzeModelBytes(bytes, name, name).ir, 0);

const models: { name: string; payload: () => GraphPayload }[] = [
  ...fs
    .readdirSync(ZOO)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => ({ name: f, payload: () => payloadOf(fs.readFileSync(path.join(ZOO, f)), f) })),
  { name: 'quantized (dynamic INT8)', payload: () => payloadOf(encodeModel(dynamicQuantized().model), 'q.onnx') },
  { name: 'transformer payload (30 blocks)', payload: () => transformerPayload(30) },
  ...(['cycle', 'wide', 'longnames', 'empty', 'components', 'flat'] as const).map((kind) => ({
    name: `bad payload: ${kind}`,
    payload: () => badPayload(kind),
  })),
];

/** Columns as plain values, to compare field by field. */
function plain(c: StructureColumns): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v]),
  );
}

describe('layout columns read from payload bytes', () => {
  it.each(models)('$name: the columns of the decoded payload, copied out', ({ payload }) => {
    const bytes = encodeGraphPayload(payload());
    const read = structureColumnsFromBytes(bytes);
    expect(read).not.toBeNull();
    expect(plain(read!)).toEqual(plain(structureColumns(decodeGraphPayload(bytes))));
    // copies, never views of the bytes (they are handed to the worker)
    expect(read!.nodeOp.buffer).not.toBe(bytes.buffer);
    expect(read!.edgeFrom.buffer).not.toBe(bytes.buffer);
  });

  it('reads bytes that sit at an odd offset of a bigger buffer', () => {
    const bytes = encodeGraphPayload(transformerPayload(5));
    const big = new Uint8Array(bytes.byteLength + 3);
    big.set(bytes, 3);
    const read = structureColumnsFromBytes(big.subarray(3));
    expect(plain(read!)).toEqual(plain(structureColumns(decodeGraphPayload(bytes))));
  });

  it('gives null for bytes that are not a whole payload', () => {
    const bytes = encodeGraphPayload(transformerPayload(5));
    expect(structureColumnsFromBytes(new Uint8Array(0))).toBeNull();
    expect(structureColumnsFromBytes(new TextEncoder().encode('{"not":"a payload"}'))).toBeNull();
    expect(structureColumnsFromBytes(bytes.subarray(0, 40))).toBeNull();
    // Cut anywhere: null, or (a cut past every column the layout reads) exactly the right columns.
    const whole = plain(structureColumns(decodeGraphPayload(bytes)));
    let nulls = 0;
    for (let k = 1; k < 32; k++) {
      const read = structureColumnsFromBytes(bytes.slice(0, Math.floor((bytes.byteLength * k) / 32)));
      if (read === null) nulls++;
      else expect(plain(read), `cut at ${k}/32`).toEqual(whole);
    }
    expect(nulls).toBeGreaterThan(16);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    expect(structureColumnsFromBytes(wrongMagic)).toBeNull();
  });
});

describe('preparing the layout from bytes', () => {
  const sent: PrepareRequest[] = [];
  class FakeWorker {
    onerror: unknown = null;
    onmessage: unknown = null;
    postMessage(m: PrepareRequest): void {
      sent.push(m);
    }
    terminate(): void {}
  }
  beforeEach(() => {
    sent.length = 0;
    vi.resetModules();
    vi.stubGlobal('Worker', FakeWorker);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('asks the worker once, and the payload decoded from those bytes finds that layout', async () => {
    const client = await import('../../../renderer/src/graph/layout-client');
    const bytes = encodeGraphPayload(transformerPayload(8));
    client.prepareLayoutFromBytes(bytes);
    expect(sent).toHaveLength(1);
    const payload = decodeGraphPayload(bytes);
    expect(plain(sent[0]!.columns)).toEqual(plain(structureColumns(payload)));
    expect(client.preparedKey(payload)).toBe(sent[0]!.key);
    client.prepareLayout(payload);
    expect(sent).toHaveLength(1);
  });

  it('leaves bytes it cannot read to the decoded payload', async () => {
    const client = await import('../../../renderer/src/graph/layout-client');
    const bytes = encodeGraphPayload(transformerPayload(8));
    client.prepareLayoutFromBytes(bytes.slice(0, 100));
    expect(sent).toHaveLength(0);
    const payload = decodeGraphPayload(bytes);
    expect(client.preparedKey(payload)).toBeUndefined();
    client.prepareLayout(payload);
    expect(sent).toHaveLength(1);
    expect(client.preparedKey(payload)).toBe(sent[0]!.key);
  });
});
