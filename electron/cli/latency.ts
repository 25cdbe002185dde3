/**
 * `kiln compare … --latency`: the FP32 model and each variant timed the way `kiln profile` times a
 * model (built with ONNX Runtime on this machine, trtexec-style warm-up and timed runs on the same
 * shapes), then one table of latency against accuracy. Comparing FP32, FP16 and INT8 is then one
 * command, not three profiles and a spreadsheet.
 */
import type { ApiClient } from '../shared/api/client';
import type { ModelSource } from '../shared/api/sources';
import type { Comparison } from '../shared/api/comparison';
import type { ProfileReport } from '../shared/api/backends';
import { positiveNumber, UsageError } from './usage';

/** compare's --latency and its timing flags (as profile's), or undefined without --latency. */
export function latencyOptions(values: {
  latency?: boolean;
  warmup?: string;
  duration?: string;
  iterations?: string;
  threads?: string;
}) {
  const given = ['warmup', 'duration', 'iterations', 'threads'] as const;
  if (!values.latency) {
    const stray = given.find((k) => values[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} times the models: give it with --latency`);
    return undefined;
  }
  if (values.duration !== undefined && values.iterations !== undefined)
    throw new UsageError('give --duration or --iterations, not both');
  const iterations = positiveNumber(values.iterations, '--iterations');
  const threads = positiveNumber(values.threads, '--threads');
  return {
    warmupMs: positiveNumber(values.warmup, '--warmup') ?? 200,
    ...(iterations !== undefined
      ? { iterations: Math.max(1, Math.round(iterations)) }
      : { durationS: positiveNumber(values.duration, '--duration') ?? 3 }),
    ...(threads ? { threads: Math.round(threads) } : {}),
  };
}

export interface LatencyOptions {
  warmupMs: number;
  iterations?: number;
  durationS?: number;
  threads?: number;
  shapes: Record<string, number[]>;
}

/** One model's timing, as the JSON carries it. */
export interface Latency {
  medianMs: number;
  meanMs: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  throughput: number;
  iterations: number;
  /** Coefficient of variation of the timed runs. */
  cov: number;
  /** FP32's median over this one's: above 1 is faster than FP32. */
  speedup: number;
  warnings: string[];
}

/** Where and how the timings were taken. */
export interface LatencyRun {
  backend: string;
  device: string;
  reference: Latency;
}

const toLatency = (r: ProfileReport, referenceMedian: number): Latency => ({
  medianMs: r.latencyMs.median,
  meanMs: r.latencyMs.mean,
  p90Ms: r.latencyMs.p90,
  p99Ms: r.latencyMs.p99,
  minMs: r.latencyMs.min,
  throughput: r.throughput,
  iterations: r.iterations,
  cov: r.cov,
  speedup: r.latencyMs.median > 0 ? referenceMedian / r.latencyMs.median : 0,
  warnings: r.warnings,
});

/** Times the reference, then each variant, one after another (the host times one model at a time). */
export async function measureLatency(
  client: ApiClient,
  reference: ModelSource,
  variants: { name: string; id: string }[],
  opts: LatencyOptions,
  onProgress?: (text: string) => void,
): Promise<{ run: LatencyRun; variants: Latency[] }> {
  const profile = (source: ModelSource, name: string) =>
    client.call(
      'model.profile',
      {
        source,
        build: { backend: 'onnxruntime', optimizationLevel: 'extended' },
        profile: {
          warmupMs: opts.warmupMs,
          ...(opts.iterations !== undefined ? { iterations: opts.iterations } : { durationS: opts.durationS ?? 3 }),
          shapes: opts.shapes,
          seed: 1,
          ...(opts.threads ? { intraOpThreads: opts.threads } : {}),
          layerRuns: 0,
        },
      },
      {
        onProgress: onProgress
          ? (p) =>
              onProgress(`timing ${name}: ${p.stage}${p.fraction === null ? '' : ` ${Math.round(p.fraction * 100)}%`}`)
          : undefined,
      },
    );
  const ref = await profile(reference, 'fp32');
  const median = ref.latencyMs.median;
  const out: Latency[] = [];
  for (const v of variants) out.push(toLatency(await profile({ kind: 'variant', variantId: v.id }, v.name), median));
  return {
    run: { backend: `${ref.backend} ${ref.backendVersion}`, device: ref.device, reference: toLatency(ref, median) },
    variants: out,
  };
}

const fixed = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

/** One row per model: latency, speed-up over FP32, and the judged outputs' worst agreement and verdict. */
export function latencyTable(comparison: Comparison, timing: { run: LatencyRun; variants: Latency[] }): string {
  const header = ['model', 'median ms', 'p99 ms', 'vs FP32', 'cosine (worst sample)', 'SNR dB', 'verdict'];
  const rows: string[][] = [
    [
      'fp32',
      fixed(timing.run.reference.medianMs, 3),
      fixed(timing.run.reference.p99Ms, 3),
      '1.00×',
      '(reference)',
      '',
      '',
    ],
  ];
  comparison.variants.forEach((v, i) => {
    const t = timing.variants[i];
    const judged = v.perOutput.filter((o) => o.judged);
    const outputs = judged.length > 0 ? judged : v.perOutput;
    const worst = Math.min(...outputs.map((o) => o.worstSample.cosine));
    const snr = Math.min(...outputs.map((o) => o.metrics.snr));
    rows.push([
      v.name,
      fixed(t?.medianMs, 3),
      fixed(t?.p99Ms, 3),
      t ? `${fixed(t.speedup, 2)}×` : '–',
      fixed(worst, 6),
      fixed(snr, 1),
      v.pass ? 'pass' : 'FAIL',
    ]);
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [
    `latency against accuracy (${timing.run.backend}, ${timing.run.device}; median of timed runs, as kiln profile)`,
    line(header),
    ...rows.map(line),
    ...timing.run.reference.warnings.map((w) => `warning (fp32): ${w}`),
    ...timing.variants.flatMap((t, i) => t.warnings.map((w) => `warning (${comparison.variants[i]?.name}): ${w}`)),
  ].join('\n');
}
