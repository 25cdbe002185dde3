/**
 * The engine host keeps one model: opening the next lets the last one go at once, so its hundreds
 * of megabytes are not marked again by the collections that run while the next graph is read. A
 * lazy field whose getter was a closure made per object (the IR's name-scope groups, the graph
 * payload's names) kept its object alive through V8's hidden classes for several collections
 * after the last reference went: at 125k nodes the whole decoded model, 120 MB, was still live
 * when the next model was opened, and marking it took 85-230 ms in the middle of that open.
 *
 * That retention needs V8 to have optimized the code that read the model, which a test cannot
 * bring about for certain: the shared-accessor tests below guard the fix itself, and the first
 * test guards that opening the next model lets the last one go at all. (`lazily` itself is tested
 * with the codec, test/unit/api/graph-codec.test.ts.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { graphPayloadForFile } from '../../../electron/core/graph/load';
import { analyzeModelCached } from '../../../electron/core/onnx/analyze';
import { buildIR } from '../../../electron/core/onnx/ir';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { transformer } from '../../builders/transformer';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-last-model-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function modelFile(name: string, layers: number, seed: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeModel(transformer(layers, { seed })));
  return file;
}

/** Opens `file` as the app does (graph first, then the summary) and returns weak handles on what it decoded. */
async function openAndWatch(file: string): Promise<{ model: WeakRef<object>; ir: WeakRef<object> }> {
  await graphPayloadForFile(file, path.basename(file));
  const analysis = await analyzeModelCached(file, path.basename(file));
  // The name-scope groups are read, as the CLI's summary and the edits read them.
  expect(analysis.ir.groupName.length).toBeGreaterThan(0);
  return { model: new WeakRef(analysis.opened.model), ir: new WeakRef(analysis.ir) };
}

describe('the last model opened', () => {
  it('is let go, decoded model and IR, as soon as the next model is opened', async () => {
    // Big enough that V8 optimizes the decode and the shape inference, as it does for real models.
    const a = modelFile('a.onnx', 250, 1);
    const b = modelFile('b.onnx', 2, 2);
    // Twice, so the code that reads a model is as optimized as it gets in a host that has been running.
    await openAndWatch(modelFile('warm.onnx', 250, 3));
    const watched = await openAndWatch(a);
    // Opening the next model lets the last one go...
    await graphPayloadForFile(b, 'b.onnx');
    await new Promise((r) => setImmediate(r));
    // ...and a collection takes it (two: one that began while it was alive may finish first, and
    // keep what it had marked then).
    gc();
    gc();
    expect(watched.ir.deref(), 'the IR of the last model is still alive').toBeUndefined();
    expect(watched.model.deref(), 'the decoded last model is still alive').toBeUndefined();
  });

  it('shares its lazy accessors with every other model (no closure per object in a hidden class)', () => {
    const irs = [buildIR(transformer(1, { seed: 4 })), buildIR(transformer(2, { seed: 5 }))];
    const getters = irs.map((ir) => Object.getOwnPropertyDescriptor(ir, 'groupName')?.get);
    expect(getters[0]).toBeTypeOf('function');
    expect(getters[0]).toBe(getters[1]);
    // ...and each still reads its own groups.
    expect(irs[0]!.nodeGroup.length).toBe(irs[0]!.nodeCount);
    expect(irs[1]!.nodeGroup.length).toBe(irs[1]!.nodeCount);
    expect(irs[0]!.nodeCount).not.toBe(irs[1]!.nodeCount);
  });
});
