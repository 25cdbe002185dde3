/**
 * What makes a fix of a 125k-node model fast must not change what it produces: INT64 → INT32 after
 * fold reads the types fold inferred instead of inferring again, the result is checked in memory
 * instead of read back from its file, the difference to the parent compares shared attributes by
 * identity, and the exactness run is skipped (with the reason) above its node limit. Each is held
 * here to what the slow way gives, on the zoo and on the generated transformer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Edit } from '../../../electron/shared/api/edits';
import { applyEdits } from '../../../electron/core/edit/apply';
import { nodeChanges } from '../../../electron/core/edit/changes';
import { EXACTNESS_MAX_NODES, exactnessMaxNodes, measureExactness } from '../../../electron/core/edit/exactness';
import { fold } from '../../../electron/core/edit/fold';
import { int64ToInt32 } from '../../../electron/core/edit/int64';
import { copyModel } from '../../../electron/core/edit/model-copy';
import { checkResult } from '../../../electron/core/edit/version';
import { liveSessions } from '../../../electron/core/backends/onnxruntime/session';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { intAttr } from '../../../electron/core/onnx/graph-edit';
import type { ModelProto, NodeProto } from '../../../electron/core/onnx/model';
import { buildIR } from '../../../electron/core/onnx/ir';
import { openModelFile } from '../../../electron/core/onnx/open';
import { inferShapes } from '../../../electron/core/onnx/shapes';
import { writeModelFile } from '../../../electron/core/onnx/write';
import { checkModel } from '../../../electron/core/trt/check';
import { checkPayload } from '../../../electron/core/trt/check-payload';
import { predictFusions } from '../../../electron/core/trt/fusion';
import { transformer } from '../../builders/transformer';
import { tempDir } from './helpers';
import { built, zoo, ZOO } from './load';

const INT64: Edit = { kind: 'int64ToInt32' };
const ZOO_NAMES = ['bert-tiny', 'vit-tiny', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru', 'mobilenetv3-fp16'];

/** Models and the edits before INT64 → INT32: dynamic-axes transformers (which it changes) and the rest of the zoo. */
const CASES: { name: string; model: () => ModelProto; before: Edit[] }[] = [
  {
    name: 'bert-tiny, shapes fixed',
    model: () => zoo('bert-tiny'),
    before: [
      { kind: 'shapes', shapes: { input_ids: [1, 16], attention_mask: [1, 16], token_type_ids: [1, 16] } },
      { kind: 'fold' },
    ],
  },
  { name: 'bert-tiny, dynamic', model: () => zoo('bert-tiny'), before: [{ kind: 'fold' }] },
  {
    name: 'generated transformer',
    model: () => built(transformer(3)),
    before: [{ kind: 'shapes', shapes: { input: [1, 8, 16] } }, { kind: 'fold' }],
  },
  { name: 'vit-tiny', model: () => zoo('vit-tiny'), before: [{ kind: 'fold' }] },
  { name: 'ssdlite-tiny (detector)', model: () => zoo('ssdlite-tiny'), before: [{ kind: 'fold' }] },
  { name: 'unet-tiny (segmenter)', model: () => zoo('unet-tiny'), before: [{ kind: 'fold' }] },
  { name: 'kws-lstm-gru (recurrent)', model: () => zoo('kws-lstm-gru'), before: [{ kind: 'fold' }] },
  { name: 'mobilenetv3-fp16 (FP16-stored CNN)', model: () => zoo('mobilenetv3-fp16'), before: [{ kind: 'fold' }] },
];

describe('INT64 → INT32 after fold, on the types fold inferred', () => {
  for (const c of CASES) {
    it(`writes what its own inference would, leaving its input alone: ${c.name}`, () => {
      const folded = applyEdits(c.model(), c.before, 'm.onnx');
      const handedOn = applyEdits(c.model(), [...c.before, INT64], 'm.onnx');
      const was = Buffer.from(encodeModel(folded.model));
      const alone = int64ToInt32(folded.model, { kind: 'int64ToInt32' }, { path: '' }, {});
      // It copies only the nodes it retargets: the model it was given is left as it was.
      expect(Buffer.from(encodeModel(folded.model)).equals(was)).toBe(true);
      expect(handedOn.applied.at(-1)?.summary).toBe(alone.summary);
      expect(Buffer.from(encodeModel(handedOn.model)).equals(Buffer.from(encodeModel(alone.model)))).toBe(true);
    });
  }

  it('is handed fold’s types, and changes BERT’s INT64 paths with them (the CNN has none)', () => {
    const step = fold(built(transformer(3)), { kind: 'fold' });
    expect(step.known?.elemTypeOf?.('input')).toBe('float32');
    for (const c of CASES.slice(0, 2)) {
      const bert = applyEdits(c.model(), [...c.before, INT64], 'm.onnx');
      expect(bert.applied.at(-1)?.summary).toMatch(/^INT64 → INT32: (?!0 initializers, 0 Cast targets, 0 Constants)/);
    }
    const cnn = applyEdits(zoo('mobilenetv3-fp16'), [{ kind: 'fold' }, INT64], 'm.onnx');
    expect(cnn.applied.at(-1)?.summary).toBe('no INT64 tensor could become INT32');
  });
});

describe('the check after an edit, in memory', () => {
  const dir = tempDir('kiln-shared-analysis-');
  for (const [name, edits] of [
    ['bert-tiny', CASES[0]?.before.concat(INT64) ?? []],
    ['mobilenetv3-fp16', [{ kind: 'upcast' }, { kind: 'fold' }]],
    ['kws-lstm-gru', [{ kind: 'fold' }, INT64]],
    ['ssdlite-tiny', [{ kind: 'fold' }, INT64]],
  ] as [string, Edit[]][]) {
    it(`is the check of the written file: ${name}`, async () => {
      const parent = await openModelFile(path.join(ZOO, `${name}.onnx`));
      const r = applyEdits(zoo(name), edits, `${name}.onnx`, { path: parent.path });
      const out = path.join(dir, `${name}.edited.onnx`);
      const written = writeModelFile(r.model, out, { source: parent.bytes });
      const a = await analyzeModel(out, `${name}.edited.onnx`);
      for (const trt of [10, 11] as const) {
        const fromFile = checkPayload(checkModel(a, trt), a.ir, predictFusions(a.ir, a.shapes));
        expect(checkResult(r.model, parent, `${name}.edited.onnx`, written.bytes, trt)).toEqual(fromFile);
      }
    });
  }
});

describe('the check after an edit, on the types the edits handed on', () => {
  const dir = tempDir('kiln-shared-types-');
  for (const c of CASES) {
    it(`is the check of the written file, with no inference of the result: ${c.name}`, async () => {
      const edits = [...c.before, INT64];
      const r = applyEdits(c.model(), edits, 'm.onnx');
      // Fold and INT64 → INT32 hand on every tensor's type (a model with bodies is inferred as before).
      expect(r.known.typeOf).toBeDefined();
      const out = path.join(dir, `${c.name.replace(/\W+/g, '-')}.onnx`);
      const written = writeModelFile(r.model, out, {});
      const a = await analyzeModel(out, 'm.edited.onnx');
      const parent = await openModelFile(out);
      for (const trt of [10, 11] as const) {
        const fromFile = checkPayload(checkModel(a, trt), a.ir, predictFusions(a.ir, a.shapes));
        expect(checkResult(r.model, parent, 'm.edited.onnx', written.bytes, trt, r.known)).toEqual(fromFile);
      }
    });
  }

  it('are the types inference gives the result, tensor by tensor (dtype and dims)', async () => {
    for (const c of CASES) {
      const r = applyEdits(c.model(), [...c.before, INT64], 'm.onnx');
      const out = path.join(dir, `types-${c.name.replace(/\W+/g, '-')}.onnx`);
      writeModelFile(r.model, out, {});
      const a = await analyzeModel(out, 'm.edited.onnx');
      let compared = 0;
      for (let t = 0; t < a.ir.tensorCount; t++) {
        if (a.ir.tensorGraph[t] !== 0 || a.ir.tensorInitializer[t]! >= 0) continue;
        const name = a.ir.tensorName[t]!;
        expect([name, r.known.typeOf?.(name)]).toEqual([name, a.shapes.types[t]]);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    }
  });
});

describe('the difference to the parent', () => {
  it('sees a replaced attribute by its value, a shared one by identity, and renamed inputs', () => {
    const parent = zoo('vit-tiny');
    const child = copyModel(parent);
    const nodes = child.graph!.node;
    const withAttr = nodes.filter((n) => n.attribute.some((a) => a.type === 2 && a.i !== undefined));
    const [same, moved] = withAttr;
    expect(same && moved).toBeTruthy();
    // Equal values in new objects: not a change.
    same!.attribute = same!.attribute.map((a) => ({ ...a }));
    // A new value: a change.
    const i = moved!.attribute.findIndex((a) => a.type === 2 && a.i !== undefined);
    const old = moved!.attribute[i]!;
    moved!.attribute[i] = intAttr(old.name, (old.i ?? 0) + 1);
    const renamed = nodes.find((n) => n !== same && n !== moved && n.input.length > 0)!;
    renamed.input[0] = `${renamed.input[0]}_renamed`;
    const c = nodeChanges(parent, child);
    expect(c.changed.sort()).toEqual([moved!.name, renamed.name].sort());
    expect(c.added).toEqual([]);
    expect(c.removed).toEqual([]);
    expect(nodeChanges(parent, copyModel(parent))).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('inference without costs (what the edits and the check read)', () => {
  it.each([...ZOO_NAMES, 'transformer'])('gives every type and constant full inference gives: %s', (name) => {
    const m = name === 'transformer' ? built(transformer(3)) : zoo(name);
    const ir = buildIR(m);
    const full = inferShapes(m, ir, { path: '' });
    const lean = inferShapes(m, ir, { path: '' }, { costs: false });
    expect(lean.types).toEqual(full.types);
    expect([...lean.consts.entries()]).toEqual([...full.consts.entries()]);
    expect(lean.unknownOps).toEqual(full.unknownOps);
    // The costs were left out: full inference counts some.
    expect(full.nodeFlops.some((x) => x > 0)).toBe(true);
    expect(lean.nodeFlops.every((x) => x === 0)).toBe(true);
  });
});

describe('the difference to the parent, walking shared nodes in order', () => {
  /** What it must equal: every node matched by name (the parent's last node of a name wins). */
  function byNames(parent: ModelProto, child: ModelProto): { added: string[]; removed: string[]; changed: string[] } {
    const key = (n: NodeProto) => n.name || (n.output[0] ? `(${n.output[0]})` : `(${n.opType})`);
    const sig = (n: NodeProto) => JSON.stringify([n.domain, n.opType, n.input, n.output, encodeAttrs(n)]);
    const before = new Map(parent.graph!.node.map((n) => [key(n), n]));
    const seen = new Set<string>();
    const added: string[] = [];
    const changed: string[] = [];
    for (const n of child.graph!.node) {
      seen.add(key(n));
      const was = before.get(key(n));
      if (!was) added.push(key(n));
      else if (sig(was) !== sig(n)) changed.push(key(n));
    }
    return { added, removed: [...before.keys()].filter((k) => !seen.has(k)), changed };
  }
  /** Attributes by value (typed arrays as bytes; decoder bookkeeping left out). */
  const encodeAttrs = (n: NodeProto) =>
    JSON.stringify(n.attribute, (k, v: unknown) =>
      k === 'span' || k === 'dirty' || k === 'nameId'
        ? undefined
        : ArrayBuffer.isView(v)
          ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
          : v,
    );
  const cases: [string, () => ModelProto, Edit[]][] = [
    ...CASES.map((c): [string, () => ModelProto, Edit[]] => [c.name, c.model, [...c.before, INT64]]),
    ['mobilenetv3-fp16, upcast', () => zoo('mobilenetv3-fp16'), [{ kind: 'upcast' }, { kind: 'fold' }]],
    ['vit-tiny, opset 17', () => zoo('vit-tiny'), [{ kind: 'opset', version: 17 }]],
  ];
  it.each(cases)('is what matching every node by name gives: %s', (_name, make, edits) => {
    const parent = make();
    const child = applyEdits(parent, edits, 'm.onnx').model;
    const c = nodeChanges(parent, child);
    expect(c).toEqual(byNames(parent, child));
  });

  it('finds a node moved far from its place, and a node removed behind it', () => {
    const parent = built(transformer(3));
    const child = copyModel(parent);
    const nodes = child.graph!.node;
    const [moved] = nodes.splice(2, 1);
    nodes.push({ ...moved!, input: ['elsewhere'] });
    nodes.splice(100, 1);
    const c = nodeChanges(parent, child);
    expect(c).toEqual(byNames(parent, child));
    expect(c.changed).toEqual([moved!.name]);
    expect(c.removed).toHaveLength(1);
  });
});

describe('the exactness run above its node limit', () => {
  const saved = process.env.KILN_EXACTNESS_MAX_NODES;
  afterEach(() => {
    if (saved === undefined) delete process.env.KILN_EXACTNESS_MAX_NODES;
    else process.env.KILN_EXACTNESS_MAX_NODES = saved;
  });

  it('is skipped with the reason, opening no session', async () => {
    const file = path.join(ZOO, 'bert-tiny.onnx');
    const opened = await openModelFile(file);
    const child = applyEdits(zoo('bert-tiny'), [{ kind: 'fold' }], 'bert-tiny.onnx').model;
    const nodes = opened.model.graph!.node.length;
    expect(fs.existsSync(file)).toBe(true);
    const r = await measureExactness(file, opened.model, '/nonexistent/child.onnx', child, { maxNodes: nodes - 1 });
    expect(r.moved).toBeNull();
    expect(r.exactness).toMatchObject({ samples: 0, outputs: [], exact: false, inputs: 'seeded' });
    expect(r.exactness.skipped).toBe(
      `${nodes} nodes is over the ${nodes - 1} up to which Kiln runs the two models on ONNX Runtime (its session creation grows with the square of the node count: minutes to hours at this size); set KILN_EXACTNESS_MAX_NODES=${nodes} to measure anyway`,
    );
    expect(liveSessions()).toBe(0);
  });

  it('is 20,000 nodes unless KILN_EXACTNESS_MAX_NODES says otherwise', () => {
    delete process.env.KILN_EXACTNESS_MAX_NODES;
    expect(exactnessMaxNodes()).toBe(EXACTNESS_MAX_NODES);
    expect(EXACTNESS_MAX_NODES).toBe(20_000);
    process.env.KILN_EXACTNESS_MAX_NODES = '200000';
    expect(exactnessMaxNodes()).toBe(200_000);
    for (const bad of ['', 'lots', '-5', '0']) {
      process.env.KILN_EXACTNESS_MAX_NODES = bad;
      expect(exactnessMaxNodes()).toBe(EXACTNESS_MAX_NODES);
    }
  });
});
