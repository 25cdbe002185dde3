/**
 * What `npm run mutate` mutates: the modules where a silent bug costs users most (issue 19), each
 * with the code Stryker mutates and the test files that can kill its mutants. A module whose job
 * is only part of a file names that part by markers in the source, not by line numbers, so the
 * range follows the code when lines above it move. Shared by the Stryker config, the Vitest
 * config Stryker runs, and test/mutation/run.mjs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * A Stryker mutate range ("file:first-last", lines 1-based and inclusive) from the first line
 * matching `from` to the line before the next one matching `until` (to the end of the file when
 * `until` is not given; only the `from` line when it is null).
 * @param {string} file
 * @param {RegExp} from
 * @param {RegExp | null} [until]
 * @returns {string}
 */
function range(file, from, until) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => from.test(l));
  if (start < 0) throw new Error(`${file}: no line matches ${from}`);
  let end = until === null ? start : lines.length - 1;
  if (until) {
    const stop = lines.findIndex((l, i) => i > start && until.test(l));
    if (stop < 0) throw new Error(`${file}: no line after ${start + 1} matches ${until}`);
    end = stop - 1;
  }
  return `${file}:${start + 1}-${end + 1}`;
}

const SERVER = 'electron/serve/server.ts';
const DOWNLOADS = 'electron/serve/downloads.ts';

/**
 * name -> { what, mutate: Stryker mutate patterns, tests: Vitest test files }. Tests run in the
 * order listed (see the sequencer in test/mutation/vitest.config.ts): the fast targeted ones first,
 * so a mutant they kill never waits for a slow file.
 */
/** @typedef {{ what: string, mutate: () => string[], tests: string[] }} MutationModule */
/** @type {Record<string, MutationModule>} */
export const MODULES = {
  conv: {
    what: 'shape rules: convolution and pooling',
    mutate: () => ['electron/core/shapes/rules/conv.ts'],
    tests: ['test/unit/mutation/conv.test.ts', 'test/unit/shapes/conv.test.ts', 'test/unit/shapes/robustness.test.ts'],
  },
  metrics: {
    what: 'comparison metrics',
    mutate: () => ['electron/shared/compare/metrics.ts'],
    // Not test/integration/compare.test.ts: its ONNX Runtime comparisons take seconds and run for
    // every mutant of errorMetrics; metrics.test.ts checks the same functions on worked examples.
    tests: ['test/unit/mutation/metrics.test.ts', 'test/unit/mutation/metrics-verdict.test.ts'],
  },
  calibrators: {
    what: 'calibrator thresholds (max, percentile, entropy, MSE)',
    mutate: () => [range('electron/core/precision/calibrate.ts', /^\/\/ ---- thresholds from histograms/)],
    tests: ['test/unit/mutation/calibrators.test.ts', 'test/unit/precision/calibrate.test.ts'],
  },
  'qdq-plan': {
    what: 'Q/DQ placement (INT8 plan)',
    mutate: () => ['electron/core/precision/int8/plan.ts'],
    tests: ['test/unit/mutation/qdq-plan.test.ts'],
  },
  'qdq-scales': {
    what: 'Q/DQ scales, zero points, weight axes, INT32 biases',
    mutate: () => ['electron/core/precision/int8/scales.ts'],
    tests: ['test/unit/mutation/qdq-scales.test.ts'],
  },
  folds: {
    what: 'exact graph folds before quantizing',
    mutate: () => ['electron/core/precision/folds.ts'],
    tests: ['test/unit/mutation/folds.test.ts', 'test/unit/mutation/folds-forward.test.ts'],
  },
  'engine-mapping': {
    what: 'engine layers to ONNX nodes (layer-name grammar and mapping)',
    mutate: () => ['electron/core/trt/engine-files/onnx-mapping.ts', 'electron/core/trt/engine-files/layer-names.ts'],
    tests: [
      'test/unit/mutation/engine-mapping.test.ts',
      'test/unit/trt/engine-info.test.ts',
      'test/unit/trt/engine-view.test.ts',
    ],
  },
  'serve-access': {
    what: "the server's token, Origin and Host checks",
    mutate: () => [
      // tokenOk, hostOk, originOk (and the allowed-hosts set they read).
      range(SERVER, /let allowedHosts = new Set/, /const server = http\.createServer/),
      // The checks as handleHttp applies them: Host first (and a request target that parses).
      range(SERVER, /if \(!hostOk\(req\)\)/, /if \(await serveDownload/),
      // Uploads: POST, then Origin, then the token.
      range(SERVER, /if \(url\.pathname === BROWSER_MODE\.uploadPath\)/, /let fileName = /),
      // The WebSocket upgrade: path, Host, Origin and token.
      range(SERVER, /server\.on\('upgrade'/, /wss\.handleUpgrade/),
      // Which hosts are this server's, once the port is known.
      range(SERVER, /allowedHosts = allowedHostSet\(/, null),
      // Downloads: the same Origin and token checks, before any file is looked up.
      range(DOWNLOADS, /if \(url\.pathname !== BROWSER_MODE\.downloadPath\)/, /const variant = url\.searchParams/),
      // The names Host and Origin may carry: local ones, the bound address, --allow-host.
      'electron/serve/allowed-hosts.ts',
    ],
    // Not test/integration/serve.test.ts: its upload test starts the engine host from dist/, which
    // the sandbox does not build; serve-access.test.ts covers every check it makes.
    tests: [
      'test/unit/mutation/serve-access.test.ts',
      'test/unit/mutation/serve-access-names.test.ts',
      'test/unit/serve/allowed-hosts.test.ts',
    ],
  },
  wire: {
    what: 'protobuf wire reader',
    mutate: () => [range('electron/core/onnx/wire.ts', /^\/\*\*/, /^\/\/ ---- writing/)],
    tests: [
      'test/unit/mutation/wire.test.ts',
      'test/unit/mutation/wire-limits.test.ts',
      'test/unit/mutation/wire-interning.test.ts',
      'test/unit/onnx/round-trip.test.ts',
      'test/unit/onnx/summary.test.ts',
    ],
  },
};

/** Every test file some module runs (what the Vitest config includes). @type {string[]} */
export const ALL_TESTS = [...new Set(Object.values(MODULES).flatMap((m) => m.tests))];
