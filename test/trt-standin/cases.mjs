// The stand-in cases: Kiln's real TensorRT plugin end to end (parse, build, inspect, serialize,
// deserialize, profile, run, cancel), and one or more cases per defect of issue 24 (1-13), each
// failing on the plugin as it was before its fix. A case gives the driver a script (driver.cc)
// and environment, then checks the reply; every case also fails on any stand-in violation, ASan or
// UBSan finding (run.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';

const ok = (s) => s.status === 0;
const expect = (cond, why) => {
  if (!cond) throw new Error(why);
};
const show = (s) => JSON.stringify(s.reply).slice(0, 400);

/** `ctx`: { models, work, version: {major, minor, patch}, call(script, env?) -> {steps, stats, findings} }. */
export function cases(ctx) {
  const { models, work } = ctx;
  const engine = (name) => path.join(work, `${name}.engine`);
  const file = (name, bytes) => {
    const p = path.join(work, name);
    fs.writeFileSync(p, bytes);
    return p;
  };
  const build = (onnx, name, extra = {}) => ({
    method: 'build',
    request: { onnx, engine: engine(name), ...extra },
  });
  const f32 = (values) => Buffer.from(new Float32Array(values).buffer);
  const i64 = (values) => Buffer.from(new BigInt64Array(values.map(BigInt)).buffer);
  const list = [];
  const add = (name, defect, run) => list.push({ name, defect, run });

  add('end to end: probe, build (parse, inspect, serialize), profile with a CUDA graph, run', 'e2e', () => {
    const out = fs.mkdtempSync(path.join(work, 'out-'));
    const r = ctx.call({
      steps: [
        { method: 'probe', request: {} },
        build(models.static, 'e2e', { timingCache: path.join(work, 'e2e.cache') }),
        { method: 'profile', request: { engine: engine('e2e'), iterations: 20, warmupMs: 1, useCudaGraph: true } },
        {
          method: 'run',
          request: {
            engine: engine('e2e'),
            inputs: { x: { dims: [1, 3], dtype: 'float32', file: file('x.bin', f32([1, -2, 3])) } },
            outputDir: out,
          },
        },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    const [probe, built, prof, run] = r.steps;
    expect(probe.reply.available === true, 'probe: not available');
    expect(built.reply.layerInfo?.Layers?.length === 1, `build: layer info ${JSON.stringify(built.reply.layerInfo)}`);
    expect(
      prof.reply.samplesMs.length === 20 && prof.reply.samplesMs.every((x) => x > 0.5),
      `profile samples ${prof.reply.samplesMs}`,
    );
    expect(fs.statSync(run.reply.outputs.y.file).size === 12, 'run: output y is not 12 bytes');
  });

  const zoo = path.resolve(work, '../../../../fixtures/zoo');
  for (const [name, profiles] of [
    ['vit-tiny', {}],
    [
      'bert-tiny',
      Object.fromEntries(
        ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => [n, { min: [1, 8], opt: [2, 16], max: [4, 32] }]),
      ),
    ],
    ['ssdlite-tiny', {}],
    ['unet-tiny', { image: { min: [1, 3, 32, 32], opt: [1, 3, 64, 64], max: [2, 3, 128, 128] } }],
    ['kws-lstm-gru', {}],
    ['mobilenetv3-fp16', {}],
  ])
    add(`the zoo's ${name}: build, profile and run end to end`, 'e2e', () => {
      const onnx = path.join(zoo, `${name}.onnx`);
      const out = fs.mkdtempSync(path.join(work, 'out-'));
      const b = ctx.call({ steps: [build(onnx, name, { profiles })] });
      expect(ok(b.steps[0]), `build: ${show(b.steps[0])}`);
      const r = ctx.call({
        steps: [
          { method: 'profile', request: { engine: engine(name), iterations: 3, warmupMs: 1, useCudaGraph: true } },
          { method: 'run', request: { engine: engine(name), inputs: zooInputs(name), outputDir: out } },
        ],
      });
      r.steps.forEach((s, i) => expect(ok(s), `step ${i + 1} failed: ${show(s)}`));
      for (const o of Object.values(r.steps[1].reply.outputs))
        expect(
          o.dims.every((d) => d >= 0),
          `an output has dims ${JSON.stringify(o.dims)}`,
        );
    });
  /** Inputs for a zoo model's run: valid values of the right dtype (token ids 0/1 fit any vocabulary). */
  function zooInputs(name) {
    const floats = (n) => f32(Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 3));
    const spec = {
      'vit-tiny': { images: [[1, 3, 64, 64], 'float32'] },
      'bert-tiny': {
        input_ids: [[2, 16], 'int64'],
        attention_mask: [[2, 16], 'int64'],
        token_type_ids: [[2, 16], 'int64'],
      },
      'ssdlite-tiny': { image: [[3, 320, 320], 'float32'] },
      'unet-tiny': { image: [[1, 3, 64, 64], 'float32'] },
      'kws-lstm-gru': { features: [[1, 1, 40], 'float32'] },
      'mobilenetv3-fp16': { input: [[1, 3, 64, 64], 'float32'] },
    }[name];
    const inputs = {};
    for (const [input, [dims, dtype]] of Object.entries(spec)) {
      const n = dims.reduce((a, b) => a * b, 1);
      const bytes = dtype === 'int64' ? i64(Array.from({ length: n }, (_, i) => i % 2)) : floats(n);
      inputs[input] = { dims, dtype, file: file(`${name}-${input}.bin`, bytes) };
    }
    return inputs;
  }

  add('a data-dependent output (NonZero) gets an IOutputAllocator and its real shape', 1, () => {
    const out = fs.mkdtempSync(path.join(work, 'out-'));
    const r = ctx.call({
      steps: [
        build(models.nonzero, 'nonzero'),
        { method: 'profile', request: { engine: engine('nonzero'), iterations: 3, warmupMs: 1 } },
        {
          method: 'run',
          request: {
            engine: engine('nonzero'),
            inputs: { x: { dims: [4], dtype: 'float32', file: file('nz.bin', f32([0, 1, 0, 2])) } },
            outputDir: out,
          },
        },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    const y = r.steps[2].reply.outputs.y;
    expect(JSON.stringify(y.dims) === '[1,5]', `output dims ${JSON.stringify(y.dims)}, the stand-in's data said [1,5]`);
    expect(fs.statSync(y.file).size === 40, `output file holds ${fs.statSync(y.file).size} bytes, not 40`);
  });

  add('a shape-tensor input is given host memory, and its profile shape values', '1, 4', () => {
    const out = fs.mkdtempSync(path.join(work, 'out-'));
    const r = ctx.call({
      steps: [
        build(models.reshape, 'reshape', { profiles: { shape: { values: [2, 3] } } }),
        {
          method: 'run',
          request: {
            engine: engine('reshape'),
            inputs: {
              x: { dims: [1, 6], dtype: 'float32', file: file('rx.bin', f32([1, 2, 3, 4, 5, 6])) },
              shape: { dims: [2], dtype: 'int64', file: file('rs.bin', i64([2, 3])) },
            },
            outputDir: out,
          },
        },
        { method: 'profile', request: { engine: engine('reshape'), iterations: 2, warmupMs: 1 } },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
  });

  add("a shape tensor's min/opt/max values from the request reach its profile; runs inside them work", 4, () => {
    const out = fs.mkdtempSync(path.join(work, 'out-'));
    const run = (values) => ({
      method: 'run',
      request: {
        engine: engine('reshape-range'),
        inputs: {
          x: { dims: [1, 6], dtype: 'float32', file: file('rrx.bin', f32([1, 2, 3, 4, 5, 6])) },
          shape: { dims: [2], dtype: 'int64', file: file(`rr-${values.join('-')}.bin`, i64(values)) },
        },
        outputDir: out,
      },
    });
    const r = ctx.call({
      steps: [
        build(models.reshape, 'reshape-range', {
          profiles: { shape: { values: { min: [1, 1], opt: [2, 3], max: [6, 6] } } },
        }),
        run([2, 3]),
        run([6, 1]),
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    const warnings = r.steps[0].reply.warnings ?? [];
    expect(!warnings.some((w) => /all 1s/.test(w)), `values given, yet warned: ${JSON.stringify(warnings)}`);
    // Outside the profile's values TensorRT refuses the run: the values did reach the profile.
    const outside = ctx.call({ steps: [run([7, 1])] });
    expect(outside.steps[0].status !== 0, `a run outside the profile's values succeeded: ${show(outside.steps[0])}`);
  });

  add('a shape tensor without values is built for all 1s, and the build says so', 4, () => {
    const r = ctx.call({ steps: [build(models.reshape, 'reshape-ones')] });
    expect(ok(r.steps[0]), show(r.steps[0]));
    const warnings = r.steps[0].reply.warnings ?? [];
    expect(
      warnings.includes('shape tensor input shape has no values in the request: built for all 1s'),
      `warnings: ${JSON.stringify(warnings)}`,
    );
  });

  if (ctx.version.major > 10 || ctx.version.minor >= 12)
    add('an E8M0 tensor (MX block scale) is one byte an element: buffers and output files sized so', 13, () => {
      const out = fs.mkdtempSync(path.join(work, 'out-'));
      const r = ctx.call({
        steps: [
          build(models.e8m0, 'e8m0'),
          {
            method: 'run',
            request: {
              engine: engine('e8m0'),
              inputs: { x: { dims: [4], dtype: 'float8e8m0', file: file('e8.bin', Buffer.from([127, 128, 1, 254])) } },
              outputDir: out,
            },
          },
        ],
      });
      r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
      const y = r.steps[1].reply.outputs.y;
      expect(y.dtype === 'float8e8m0', `output dtype ${y.dtype}`);
      expect(fs.statSync(y.file).size === 4, `output file holds ${fs.statSync(y.file).size} bytes, not 4`);
    });

  add('one logger for the process: a build then a profile, and overlapping builds', 2, () => {
    const r = ctx.call({
      steps: [
        build(models.static, 'log1'),
        { method: 'profile', request: { engine: engine('log1'), iterations: 2, warmupMs: 1 } },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    const p = ctx.call({
      parallel: true,
      steps: [build(models.static, 'log2'), build(models.dynamic, 'log3'), build(models.static, 'log4')],
    });
    p.steps.forEach((s, i) => expect(ok(s), `parallel build ${i} failed: ${show(s)}`));
  });

  for (const call of ['createInferBuilder', 'createNetworkV2', 'createParser', 'createBuilderConfig']) {
    add(`${call} returning null fails the build with a message`, 3, () => {
      const r = ctx.call({ set: { null: call }, steps: [build(models.static, `null-${call}`)] });
      expect(r.steps[0].status === 1, `status ${r.steps[0].status}: ${show(r.steps[0])}`);
      expect(/could not create/i.test(r.steps[0].reply.message ?? ''), `message: ${r.steps[0].reply.message}`);
    });
  }
  add('createInferRuntime returning null fails profile with a message', 3, () => {
    const b = ctx.call({ steps: [build(models.static, 'null-rt')] });
    expect(ok(b.steps[0]), show(b.steps[0]));
    const r = ctx.call({
      set: { null: 'createInferRuntime' },
      steps: [{ method: 'profile', request: { engine: engine('null-rt'), iterations: 2 } }],
    });
    expect(r.steps[0].status === 1 && /runtime/.test(r.steps[0].reply.message), show(r.steps[0]));
  });
  if (ctx.version.major === 10)
    add('a TensorRT 10.0 parser (no supportsModelV2) is never asked supportsModelV2', 3, () => {
      const r = ctx.call({
        set: { parser_version: '100001' },
        steps: [build(models.refused, 'old-parser'), build(models.static, 'old-parser2')],
      });
      expect(r.steps[0].status === 1, `refused model: ${show(r.steps[0])}`);
      expect(ok(r.steps[1]), `static model: ${show(r.steps[1])}`);
    });

  add('dynamic inputs the user did not list get a profile (dims 1, a warning)', 4, () => {
    const r = ctx.call({
      steps: [
        build(models.dynamic, 'dyn'),
        { method: 'profile', request: { engine: engine('dyn'), iterations: 2, warmupMs: 1 } },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    const w = (r.steps[0].reply.warnings ?? []).join(' ');
    expect(/x.*1/.test(w), `no warning names input x: ${w}`);
  });

  add('a version-compatible engine loads with allowHostCode and is refused, saying why, without', 5, () => {
    const r = ctx.call({
      steps: [
        build(models.static, 'vc', { versionCompatible: true }),
        { method: 'profile', request: { engine: engine('vc'), iterations: 2, warmupMs: 1, allowHostCode: true } },
        { method: 'profile', request: { engine: engine('vc'), iterations: 2, warmupMs: 1 } },
      ],
    });
    expect(ok(r.steps[0]) && ok(r.steps[1]), `${show(r.steps[0])} ${show(r.steps[1])}`);
    expect(r.steps[2].status === 1 && /host code/.test(r.steps[2].reply.message), show(r.steps[2]));
  });
  add('build says when it could not read its own engine back for layer information', 5, () => {
    const r = ctx.call({ set: { null: 'createInferRuntime' }, steps: [build(models.static, 'noinfo')] });
    expect(ok(r.steps[0]), show(r.steps[0]));
    expect(
      (r.steps[0].reply.warnings ?? []).some((w) => /layer information/.test(w)),
      show(r.steps[0]),
    );
  });

  add("a model using TensorRT's plugins (RoiAlign) parses, builds and deserializes", 6, () => {
    const r = ctx.call({
      steps: [
        build(models.roialign, 'roi'),
        { method: 'profile', request: { engine: engine('roi'), iterations: 2, warmupMs: 1 } },
      ],
    });
    r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
  });

  add('KILN_TENSORRT_DIR alone is enough: the builder resource TensorRT loads by bare name is found', 7, () => {
    const r = ctx.call({ steps: [build(models.static, 'res')] }, { LD_LIBRARY_PATH: '' });
    expect(ok(r.steps[0]), show(r.steps[0]));
  });

  add('a CUDA 12 driver: libcudart.so.13 is passed over for .12, and probe says available', 8, () => {
    const r = ctx.call({ steps: [{ method: 'probe', request: {} }] }, { KILN_STANDIN_DRIVER: '12080' });
    expect(ok(r.steps[0]) && r.steps[0].reply.available === true, show(r.steps[0]));
  });

  add(
    'profile feeds valid inputs: Gather indices in range, bools 0/1, finite floats, written before warm-up',
    9,
    () => {
      const r = ctx.call({
        steps: [
          build(models.gather, 'gather'),
          { method: 'profile', request: { engine: engine('gather'), iterations: 2, warmupMs: 1, useCudaGraph: true } },
          build(models.static, 'floats'),
          {
            method: 'profile',
            request: { engine: engine('floats'), iterations: 2, warmupMs: 1, noDataTransfers: true },
          },
        ],
      });
      r.steps.forEach((s, i) => expect(ok(s), `step ${i} failed: ${show(s)}`));
    },
  );

  add('a timing cache from another TensorRT is replaced, not left stale; builds share it safely', 10, () => {
    const cache = path.join(work, 'stale.cache');
    fs.writeFileSync(cache, 'KILN-STANDIN-TIMING 100000 7 Some Other GPU');
    const r = ctx.call({ steps: [build(models.static, 'tc', { timingCache: cache })], stats: ['timingCache.set'] });
    expect(ok(r.steps[0]), show(r.steps[0]));
    expect(r.stats['timingCache.set'] === 1, `setTimingCache accepted ${r.stats['timingCache.set']} time(s)`);
    const text = fs.readFileSync(cache, 'utf8');
    expect(text.includes(` ${ctx.versionNumber} `), `the cache file still says ${text}`);
    const p = ctx.call({
      parallel: true,
      steps: [1, 2, 3, 4].map((i) => build(models.static, `tcp${i}`, { timingCache: cache })),
    });
    p.steps.forEach((s, i) => expect(ok(s), `parallel build ${i}: ${show(s)}`));
    const entries = Number(fs.readFileSync(cache, 'utf8').split(' ')[2]);
    expect(entries >= 5, `the shared cache holds ${entries} entries: concurrent builds lost each other's`);
    expect(
      fs.readdirSync(work).every((f) => !f.includes('kiln-tmp')),
      'a temp file was left behind',
    );
  });

  add("run checks each input's dtype against the engine's", 11, () => {
    const r = ctx.call({
      steps: [
        build(models.static, 'dtype'),
        {
          method: 'run',
          request: {
            engine: engine('dtype'),
            inputs: { x: { dims: [1, 3], dtype: 'float16', file: file('x16.bin', Buffer.alloc(12)) } },
            outputDir: work,
          },
        },
      ],
    });
    expect(
      r.steps[1].status === 1 && /float16/.test(r.steps[1].reply.message) && /float32/.test(r.steps[1].reply.message),
      show(r.steps[1]),
    );
  });

  add('a failing enqueueV3 in the timed loop fails the profile, not a ~0 ms sample', 12, () => {
    const b = ctx.call({ steps: [build(models.static, 'fail-enq')] });
    expect(ok(b.steps[0]), show(b.steps[0]));
    const r = ctx.call({
      set: { fail_enqueue_after: '3' },
      steps: [
        { method: 'profile', request: { engine: engine('fail-enq'), iterations: 10, warmupMs: 0, layerRuns: 0 } },
      ],
    });
    expect(r.steps[0].status === 1 && /enqueue/i.test(r.steps[0].reply.message), show(r.steps[0]));
  });
  add('a failing cudaEventElapsedTime fails the profile', 12, () => {
    const b = ctx.call({ steps: [build(models.static, 'fail-ev')] });
    const r = ctx.call({
      set: { null: 'cudaEventElapsedTime' },
      steps: [{ method: 'profile', request: { engine: engine('fail-ev'), iterations: 4, warmupMs: 0 } }],
    });
    expect(ok(b.steps[0]) && r.steps[0].status === 1, show(r.steps[0]));
  });
  add('a cancel during the layer runs returns CANCELLED', 12, () => {
    const r = ctx.call({
      steps: [
        build(models.static, 'cancel'),
        {
          method: 'profile',
          cancelOn: 'Profiling layers',
          request: { engine: engine('cancel'), iterations: 2, warmupMs: 0, layerRuns: 50 },
        },
      ],
    });
    expect(r.steps[1].status === 2, show(r.steps[1]));
  });
  add('a build cancelled from the progress monitor returns CANCELLED', 12, () => {
    const r = ctx.call({ steps: [{ ...build(models.static, 'cancel-build'), cancelOn: 'Building engine' }] });
    expect(r.steps[0].status === 2, show(r.steps[0]));
  });
  add('a failed CUDA graph capture ends the capture and times without a graph', 12, () => {
    const r = ctx.call({
      set: { null: 'enqueueV3:capture' },
      steps: [
        build(models.static, 'cap'),
        { method: 'profile', request: { engine: engine('cap'), iterations: 5, warmupMs: 0, useCudaGraph: true } },
      ],
    });
    expect(ok(r.steps[1]) && r.steps[1].reply.samplesMs.every((x) => x > 0.5), show(r.steps[1]));
    expect(
      (r.steps[1].reply.warnings ?? []).some((w) => /graph/.test(w)),
      `no warning about the graph: ${show(r.steps[1])}`,
    );
  });
  add('timing as trtexec: pinned host buffers, throughput from host wall time', 12, () => {
    const r = ctx.call({
      steps: [
        build(models.static, 'pin'),
        { method: 'profile', request: { engine: engine('pin'), iterations: 8, warmupMs: 0 } },
      ],
      stats: ['copies', 'copies.pageable'],
    });
    expect(ok(r.steps[1]), show(r.steps[1]));
    expect(
      r.stats.copies > 0 && r.stats['copies.pageable'] === 0,
      `pageable copies: ${r.stats['copies.pageable']} of ${r.stats.copies}`,
    );
    expect(
      r.steps[1].reply.throughputQps > 0 && r.steps[1].reply.wallMs > 0,
      `throughput ${r.steps[1].reply.throughputQps}`,
    );
  });

  add('a missing ONNX file says so (FILE_NOT_FOUND, naming it), not "parser failed"', 13, () => {
    const r = ctx.call({ steps: [build(path.join(work, 'nope.onnx'), 'nope')] });
    expect(
      r.steps[0].status === 1 &&
        r.steps[0].reply.code === 'FILE_NOT_FOUND' &&
        /nope\.onnx/.test(r.steps[0].reply.message),
      show(r.steps[0]),
    );
  });
  add(
    'a refused op is UNSUPPORTED naming the node; supportsModelV2 runs only then, and the model is parsed once when fine',
    13,
    () => {
      const r = ctx.call({ steps: [build(models.refused, 'refused')] });
      expect(
        r.steps[0].status === 1 &&
          r.steps[0].reply.code === 'UNSUPPORTED' &&
          /the_qlinear/.test(r.steps[0].reply.message),
        show(r.steps[0]),
      );
      expect(
        JSON.stringify(r.steps[0].reply.unsupportedNodes) === '[1]',
        `unsupportedNodes ${JSON.stringify(r.steps[0].reply.unsupportedNodes)}`,
      );
      const s = ctx.call({ steps: [build(models.static, 'once')], stats: ['parser.parse', 'parser.supportsModelV2'] });
      expect(
        ok(s.steps[0]) && s.stats['parser.parse'] === 1 && s.stats['parser.supportsModelV2'] === 0,
        JSON.stringify(s.stats),
      );
    },
  );
  add('probe reports the GPU memory', 13, () => {
    const r = ctx.call({ steps: [{ method: 'probe', request: {} }] });
    expect(r.steps[0].reply.devices?.[0]?.memoryBytes === 8 * 2 ** 30, show(r.steps[0]));
  });
  return list;
}
