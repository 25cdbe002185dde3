/**
 * `graphPayloadForFile`, what `model.graph` answers: the main graph of a file not yet decoded comes
 * from its bytes without decoding the model (nothing is remembered for the summary to reuse until
 * it asks), equal to the IR's payload; bad files fail with the same plain-words errors naming the
 * file as before; a file the scan declines, a changed file and a file already decoded still get
 * the right payload.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { graphPayloadFromIR } from '../../../electron/core/graph/from-ir';
import { graphPayloadForFile } from '../../../electron/core/graph/load';
import { modelStructureCached, rememberedStructure } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { readModelFile } from '../../../electron/core/onnx/open';
import { KilnError } from '../../../electron/shared/api/errors';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { transformer } from '../../builders/transformer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-graph-load-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Uint8Array) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

/** Plain arrays, so a difference prints as one. */
const plain = (p: object) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v]));

describe('graphPayloadForFile', () => {
  it('reads the main graph from the bytes without decoding the model, and matches the IR', async () => {
    const file = write('t.onnx', encodeModel(transformer(3)));
    const payload = await graphPayloadForFile(file, 't.onnx');
    expect(await rememberedStructure(file)).toBeNull(); // the full decode has not run
    expect(payload.nodeName.length).toBeGreaterThan(100);
    const { ir } = await modelStructureCached(file, 't.onnx');
    expect(plain(payload)).toEqual(plain(graphPayloadFromIR(ir, 0)));
    // decoded now: the IR answers, with the same payload
    expect(plain(await graphPayloadForFile(file, 't.onnx'))).toEqual(plain(payload));
  });

  it("another file's graph lets the last model go (two large models are not held at once)", async () => {
    const a = write('a.onnx', encodeModel(transformer(1)));
    const b = write('b.onnx', encodeModel(transformer(2)));
    await modelStructureCached(a, 'a.onnx');
    expect(await rememberedStructure(a)).not.toBeNull();
    await graphPayloadForFile(b, 'b.onnx');
    expect(await rememberedStructure(a)).toBeNull();
  });

  it('a changed file is read again', async () => {
    const file = write('changing.onnx', encodeModel(transformer(1)));
    const before = await graphPayloadForFile(file, 'changing.onnx');
    fs.writeFileSync(file, encodeModel(transformer(2)));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const after = await graphPayloadForFile(file, 'changing.onnx');
    expect(after.nodeName.length).toBeGreaterThan(before.nodeName.length);
  });

  it('a name the scan cannot take: the full decode answers', async () => {
    const long = 'x'.repeat(2000);
    const g = new GraphBuilder();
    g.input(long, DT.float32, [1]);
    g.node('Relu', [long], { name: 'r', outputs: ['y'] });
    g.output('y', DT.float32, [1]);
    const file = write('long.onnx', encodeModel(model(g.graph())));
    const payload = await graphPayloadForFile(file, 'long.onnx');
    expect(payload.tensorName).toEqual([long, 'y']);
    expect(await rememberedStructure(file)).not.toBeNull();
  });

  it.each([
    ['cut short', () => encodeModel(transformer(2)).subarray(0, 5000), 'NOT_ONNX'],
    ['garbage', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff), 'NOT_ONNX'],
    ['empty', () => new Uint8Array(0), 'EMPTY_FILE'],
  ])('%s: the error names the file, as opening it does', async (_what, bytes, code) => {
    const file = write(`bad-${code}-${_what.replace(/ /g, '-')}.onnx`, bytes());
    const err = await graphPayloadForFile(file, 'shown-name.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).code).toBe(code);
    expect((err as KilnError).message).toContain('shown-name.onnx');
  });

  it('the full open after the graph takes the bytes the graph read, once, and a changed file is read again', async () => {
    const file = write('handoff.onnx', encodeModel(transformer(1)));
    const reads = vi.spyOn(fs.promises, 'readFile');
    try {
      await graphPayloadForFile(file);
      const { opened } = await modelStructureCached(file);
      expect(reads.mock.calls.filter(([p]) => p === path.resolve(file))).toHaveLength(1);
      expect(opened.model.graph?.node.length).toBe(transformer(1).graph?.node.length);
      // Handed over once: the next read of the file reads it.
      await readModelFile(file);
      expect(reads.mock.calls.filter(([p]) => p === path.resolve(file))).toHaveLength(2);
      // Kept bytes of a file changed since are not used.
      const other = write('handoff-b.onnx', encodeModel(transformer(1)));
      const first = await readModelFile(other, undefined, { handOff: true });
      fs.writeFileSync(other, encodeModel(transformer(2)));
      const again = await readModelFile(other);
      expect(again.bytes).not.toBe(first.bytes);
      expect(again.bytes.length).toBe(fs.statSync(other).size);
    } finally {
      reads.mockRestore();
    }
  });

  it('a missing file says so', async () => {
    const err = await graphPayloadForFile(path.join(dir, 'nope.onnx'), 'nope.onnx').catch((e: unknown) => e);
    expect((err as KilnError).code).toBe('FILE_NOT_FOUND');
  });
});
