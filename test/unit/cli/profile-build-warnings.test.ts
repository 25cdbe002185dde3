/**
 * `kiln profile` prints what the builder warned of (a shape tensor built for all 1s) apart from the
 * run's own warnings, and reads --shape-values as trtexec writes a shape tensor's values: one list
 * for min, opt and max, or three joined by /; a malformed part is a usage error that quotes it.
 */
import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '../../../electron/shared/api/backends';
import { formatProfile } from '../../../electron/cli/format';
import { parseShapeValues } from '../../../electron/cli/shape-values';
import { UsageError } from '../../../electron/cli/usage';

const stats = { min: 1, max: 1, mean: 1, median: 1, p90: 1, p95: 1, p99: 1 };
const report = (build: string[], run: string[]): ProfileReport => ({
  backend: 'tensorrt',
  backendVersion: 'fake-1.0',
  device: 'Kiln Fake GPU',
  model: 'm.onnx',
  shapes: { x: [1, 4] },
  iterations: 3,
  totalMs: 3,
  throughput: 1000,
  latencyMs: stats,
  samplesMs: [1, 1, 1],
  cov: 0,
  warnings: run,
  coldStartMs: 1,
  peakRssBytes: 1,
  memory: { rssBeforeBytes: 1, rssPeakBytes: 1 },
  layerRuns: 0,
  profiledRunMs: null,
  layers: [],
  byOpType: [],
  perNodeMs: {},
  build: {
    backend: 'tensorrt',
    backendVersion: 'fake-1.0',
    device: 'Kiln Fake GPU',
    modelSha256: 'x',
    artifactBytes: 1,
    buildMs: 1,
    cached: false,
    optimizationLevel: 'builder level 3',
    nodes: 1,
    fusedNodes: [],
    warnings: build,
  },
});

describe('kiln profile output', () => {
  it("prints the builder's warnings, then the run's, each said for what it is", () => {
    const text = formatProfile(
      report(['shape tensor input s has no values in the request: built for all 1s'], ['slow']),
    );
    const lines = text.split('\n');
    const build = lines.indexOf('build warning: shape tensor input s has no values in the request: built for all 1s');
    expect(build).toBeGreaterThan(0);
    expect(lines.indexOf('warning: slow')).toBe(build + 1);
    expect(formatProfile(report([], []))).not.toContain('warning');
  });
});

describe('--shape-values', () => {
  it('one list is min, opt and max; three are each', () => {
    expect(parseShapeValues('s:2x3')).toEqual({ s: { min: [2, 3], opt: [2, 3], max: [2, 3] } });
    expect(parseShapeValues('a:1x1/2x3/4x6,b:-1')).toEqual({
      a: { min: [1, 1], opt: [2, 3], max: [4, 6] },
      b: { min: [-1], opt: [-1], max: [-1] },
    });
  });

  it('refuses what it cannot read, quoting it', () => {
    expect(() => parseShapeValues('s')).toThrow(UsageError);
    expect(() => parseShapeValues('s:2x')).toThrow(
      /--shape-values: shape-tensor values "s:2x": "2x" is not whole numbers/,
    );
    expect(() => parseShapeValues('s:1/2')).toThrow(/give 2 lists/);
    expect(() => parseShapeValues('s:1.5')).toThrow(/not whole numbers/);
  });
});
