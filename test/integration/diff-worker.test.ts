// The model diff with B opened on a worker thread (the built side-worker.js in dist/, as the engine
// host runs it) must give exactly the diff that opening both on one thread gives, across the zoo
// and built models (CNN, transformer, detector, segmenter, recurrent, FP16-stored, quantized,
// external data, tensor and graph attributes); a bad file on either side must fail with the same
// error as on one thread, naming that file, and leave no worker running.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffFiles, type DiffFile } from '../../electron/core/diff/diff-files';
import { liveWorkers } from '../../electron/core/jobs/one-reply-worker';
import { encodeModel } from '../../electron/core/onnx/encode';
import type { ModelProto } from '../../electron/core/onnx/model';
import { cnn } from '../builders/cnn';
import { detectorTail } from '../builders/detector';
import { externalWeightsModel } from '../builders/external';
import { attr, DT, GraphBuilder, model, tensor } from '../builders/graph';
import { llmBlock } from '../builders/llm-block';
import { dynamicQuantized, qgemmQuantized } from '../builders/quantized';
import { transformer } from '../builders/transformer';
import { runKiln } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const WORKER = path.join(ROOT, 'dist/electron/core/diff/side-worker.js');
const ZOO = path.join(ROOT, 'test/fixtures/zoo');
const zoo = (name: string) => path.join(ZOO, `${name}.onnx`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-diff-worker-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = (p: string): DiffFile => ({ path: p, displayName: path.basename(p) });
const write = (name: string, m: ModelProto) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, encodeModel(m));
  return p;
};
const strip = <T extends { ms: number }>(d: T): T => ({ ...d, ms: 0 });

/** The diff both ways: B on the worker, and both on this thread. */
async function bothWays(a: string, b: string) {
  const viaWorker = await diffFiles(file(a), file(b), undefined, { sideWorker: WORKER });
  const here = await diffFiles(file(a), file(b), undefined, { sideWorker: null });
  return { viaWorker: strip(viaWorker), here: strip(here) };
}

/** Waits (briefly) for exited workers to be counted out. */
async function workersLeft(): Promise<number> {
  for (let i = 0; i < 50 && liveWorkers() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return liveWorkers();
}

describe('model diff with B opened on a worker thread', () => {
  it('the built worker exists (run `npx tsc -p tsconfig.json` first)', () => {
    expect(fs.existsSync(WORKER)).toBe(true);
  });

  const names = ['vit-tiny', 'bert-tiny', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru', 'mobilenetv3-fp16'];
  it.each(names.map((n, i) => [n, names[(i + 1) % names.length]!]))(
    'zoo: %s against itself and against %s, the same diff both ways',
    async (x, y) => {
      for (const [a, b] of [
        [zoo(x), zoo(x)],
        [zoo(x), zoo(y)],
      ] as const) {
        const { viaWorker, here } = await bothWays(a, b);
        expect(viaWorker).toEqual(here);
      }
      expect(await workersLeft()).toBe(0);
    },
    60_000,
  );

  it('edited models (renamed nodes, attributes and weights changed, a constant and an If body changed): the same diff both ways, and the edits found', async () => {
    const edits: [string, ModelProto, ModelProto][] = [];
    const t = transformer(6);
    const t2 = transformer(6);
    t2.graph!.node.forEach((n, i) => {
      if (i % 3 === 0) n.name = `renamed_${i}`;
    });
    t2.graph!.node.find((n) => n.opType === 'Softmax')!.attribute = [attr('axis', 1)];
    edits.push(['transformer', t, t2]);
    const c = cnn([8, 16], 4, 16);
    const c2 = cnn([8, 16], 4, 16);
    const w = c2.graph!.initializer.find((x) => x.dims.length === 4)!;
    c2.graph!.initializer = c2.graph!.initializer.map((x) =>
      x === w ? tensor(x.name, DT.float32, x.dims, new Array<number>(x.dims.reduce((p, q) => p * q, 1)).fill(0.5)) : x,
    );
    edits.push(['cnn', c, c2]);
    edits.push(['detector', detectorTail(3, 16), detectorTail(4, 16)]);
    edits.push(['llm', llmBlock(), llmBlock({ heads: 4 })]);
    edits.push(['quantized', dynamicQuantized().model, qgemmQuantized(true)]);
    // A tensor attribute (Constant) and a graph attribute (If) with a changed body.
    const withBodies = (k: number) => {
      const body = (out: string, v: number) => {
        const g = new GraphBuilder(`branch_${out}`);
        const value = tensor(`${out}_v`, DT.float32, [1], [v]);
        g.node('Constant', [], { name: `${out}_const`, outputs: [out], attrs: { value } });
        g.output(out, DT.float32, [1]);
        return g.graph();
      };
      const g = new GraphBuilder('bodies');
      g.input('cond', DT.bool, []);
      const value = tensor('k_v', DT.float32, [2], [k, 2]);
      g.node('Constant', [], { name: 'const_k', outputs: ['k'], attrs: { value } });
      const branches = { then_branch: body('a', k), else_branch: body('b', 2) };
      g.node('If', ['cond'], { name: 'if', outputs: ['y'], attrs: branches });
      g.output('y', DT.float32, [1]);
      g.output('k', DT.float32, [2]);
      return model(g.graph());
    };
    edits.push(['bodies', withBodies(1), withBodies(3)]);
    for (const [name, before, after] of edits) {
      const { viaWorker, here } = await bothWays(write(`${name}-a.onnx`, before), write(`${name}-b.onnx`, after));
      expect(viaWorker, name).toEqual(here);
      expect(viaWorker.identical, name).toBe(false);
    }
    const { viaWorker } = await bothWays(path.join(tmp, 'transformer-a.onnx'), path.join(tmp, 'transformer-b.onnx'));
    expect(viaWorker.nodes.changed.map((x) => x.b.op)).toEqual(['Softmax']);
    expect(viaWorker.nodes.renamed.length).toBeGreaterThan(10);
    const cnnDiff = (await bothWays(path.join(tmp, 'cnn-a.onnx'), path.join(tmp, 'cnn-b.onnx'))).viaWorker;
    expect(cnnDiff.initializers.map((x) => [x.change, x.name])).toEqual([['changed', w.name]]);
    expect(await workersLeft()).toBe(0);
  }, 60_000);

  it('external data: weights compared from the files beside each model, the same both ways', async () => {
    const one = externalWeightsModel(path.join(tmp, 'ext1'), 3 * 4096, { tensorBytes: 4096 });
    const two = externalWeightsModel(path.join(tmp, 'ext2'), 3 * 4096, { tensorBytes: 4096 });
    const bytes = fs.readFileSync(two.weightsPath);
    bytes.writeFloatLE(1.5, 4100);
    fs.writeFileSync(two.weightsPath, bytes);
    const { viaWorker, here } = await bothWays(one.modelPath, two.modelPath);
    expect(viaWorker).toEqual(here);
    expect(viaWorker.initializers.map((x) => [x.change, x.name, x.maxAbsDiff])).toEqual([
      ['changed', 'layers.1.weight', expect.any(Number)],
    ]);
  });

  it('a truncated B: the same error naming B as on one thread, and no worker left running', async () => {
    const good = zoo('vit-tiny');
    const cut = path.join(tmp, 'cut-short.onnx');
    const whole = fs.readFileSync(good);
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const here = await diffFiles(file(good), file(cut), undefined, { sideWorker: null }).catch((e: unknown) => e);
    const viaWorker = await diffFiles(file(good), file(cut), undefined, { sideWorker: WORKER }).catch(
      (e: unknown) => e,
    );
    expect(here).toBeInstanceOf(Error);
    expect((here as Error).message).toContain('cut-short.onnx');
    expect(viaWorker).toBeInstanceOf(Error);
    expect(viaWorker).toMatchObject({
      name: 'KilnError',
      code: (here as { code: string }).code,
      message: (here as Error).message,
      file: 'cut-short.onnx',
    });
    expect(await workersLeft()).toBe(0);
  });

  it('a bad A ends the worker opening B, and names A', async () => {
    const bad = path.join(tmp, 'not-a-model.onnx');
    fs.writeFileSync(bad, 'this is not a model at all');
    await expect(diffFiles(file(bad), file(zoo('unet-tiny')), undefined, { sideWorker: WORKER })).rejects.toThrow(
      'not-a-model.onnx',
    );
    expect(await workersLeft()).toBe(0);
  });

  it('a worker that cannot load its script (as where worker_threads cannot read app.asar): B opens on this thread, the same diff', async () => {
    // electron-builder.yml ships side-worker.js inside app.asar; where a worker cannot load it
    // there (or dies loading what it requires), diffFiles must open B itself, not fail the diff.
    const asar = path.join(tmp, 'app.asar', 'dist', 'electron', 'core', 'diff');
    fs.mkdirSync(asar, { recursive: true });
    const cannotLoad = path.join(asar, 'side-worker.js');
    fs.writeFileSync(cannotLoad, "throw new Error('Cannot find module ../onnx/open inside app.asar');\n");
    const missing = path.join(asar, 'no-such-worker.js');
    const [a, b] = [zoo('ssdlite-tiny'), zoo('mobilenetv3-fp16')];
    const here = strip(await diffFiles(file(a), file(b), undefined, { sideWorker: null }));
    for (const entry of [cannotLoad, missing]) {
      expect(strip(await diffFiles(file(a), file(b), undefined, { sideWorker: entry }))).toEqual(here);
      expect(await workersLeft()).toBe(0);
    }
  });

  it('kiln diff with a truncated B, through the engine host: the file named, exit 1', () => {
    const r = runKiln(['diff', zoo('unet-tiny'), path.join(tmp, 'cut-short.onnx')], { timeout: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cut-short.onnx');
  });
});
