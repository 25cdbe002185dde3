/**
 * Build and profile with ONNX Runtime or TensorRT: options (for TensorRT, shape-tensor values),
 * progress with cancel, then every run side by side (a percentile table, the latency distribution,
 * slowest layers, time by op type, what the builder and the run warned of) and per-node time painted
 * on the graph.
 */
import { useEffect, useState } from 'react';
import type { ProfileReport } from '../../../electron/shared/api/backends';
import {
  parseShapeValues,
  ShapeTensorValuesSchema,
  type ShapeTensorValues,
} from '../../../electron/shared/api/trt-build';
import { JobProgress } from '../frame/Progress';
import { useGraphStore } from '../graph/store';
import { useApp } from '../state/app';
import { fileSource } from '../frame/open';
import { LatencyChart, LayerChart, OpTypeChart, runColour } from './charts';
import { ExportsList } from './ExportsList';
import { timeOverlay } from './overlay';
import { ShapeFields, useShapeFields } from './ShapeFields';
import { useProfiles, type ProfileRun } from './store';
import { useVariants } from '../precision/store';

const NO_INPUTS: never[] = [];

type Level = 'disabled' | 'basic' | 'extended' | 'all';
const LEVELS: Level[] = ['disabled', 'basic', 'extended', 'all'];
const COV_LIMIT = 0.025; // trtexec warns above 2.5%

const ms = (v: number) => `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ms`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

interface Row {
  label: string;
  /** What the figure is, where its name alone could mislead. */
  title?: string;
  value: (r: ProfileReport) => string;
  /** Lower is better (true), higher is better (false), or not compared. */
  lower?: boolean;
  num?: (r: ProfileReport) => number;
}

const ROWS: Row[] = [
  { label: 'Throughput', value: (r) => `${r.throughput.toFixed(1)} qps`, lower: false, num: (r) => r.throughput },
  { label: 'Latency min', value: (r) => ms(r.latencyMs.min), lower: true, num: (r) => r.latencyMs.min },
  { label: 'median', value: (r) => ms(r.latencyMs.median), lower: true, num: (r) => r.latencyMs.median },
  { label: 'mean', value: (r) => ms(r.latencyMs.mean), lower: true, num: (r) => r.latencyMs.mean },
  { label: 'p90', value: (r) => ms(r.latencyMs.p90), lower: true, num: (r) => r.latencyMs.p90 },
  { label: 'p95', value: (r) => ms(r.latencyMs.p95), lower: true, num: (r) => r.latencyMs.p95 },
  { label: 'p99', value: (r) => ms(r.latencyMs.p99), lower: true, num: (r) => r.latencyMs.p99 },
  { label: 'max', value: (r) => ms(r.latencyMs.max), lower: true, num: (r) => r.latencyMs.max },
  { label: 'CoV', value: (r) => `${(r.cov * 100).toFixed(2)}%${r.cov > COV_LIMIT ? ' ⚠' : ''}` },
  { label: 'Iterations', value: (r) => r.iterations.toLocaleString('en-US') },
  { label: 'Cold start', value: (r) => ms(r.coldStartMs), lower: true, num: (r) => r.coldStartMs },
  {
    label: 'Memory (this run)',
    title:
      "The engine host's resident memory at its highest while this run's session was open, and what it gained over the run (memory an earlier run freed and this one reused is not counted again)",
    value: (r) => `${mib(r.memory.rssPeakBytes)} (+${mib(r.memory.rssPeakBytes - r.memory.rssBeforeBytes)})`,
  },
  {
    label: 'Host peak RSS',
    title: "The engine host's high-water mark since it started: the largest of every run so far, not this one alone",
    value: (r) => mib(r.peakRssBytes),
  },
  { label: 'Optimization', value: (r) => r.build.optimizationLevel },
  { label: 'Nodes after build', value: (r) => `${r.build.nodes} (${r.build.fusedNodes.length} fused)` },
  { label: 'Build', value: (r) => (r.build.cached ? 'cached' : ms(r.build.buildMs)) },
  { label: 'Artifact', value: (r) => mib(r.build.artifactBytes) },
  {
    label: 'Shapes',
    value: (r) =>
      Object.entries(r.shapes)
        .map(([k, d]) => `${k} ${d.join('×')}`)
        .join(', '),
  },
  { label: 'Backend', value: (r) => `${r.backend} ${r.backendVersion} · ${r.device}` },
];

export function ProfilePanel() {
  const summary = useApp((s) => s.summary);
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const { runs, running, error, onGraph, run, remove, setOnGraph, forModel } = useProfiles();
  const { exports, exporting, exportRun: exportTo } = useProfiles();
  const graphModel = useGraphStore((s) => s.model);
  const probe = useApp((s) => s.probe);
  const setOverlay = useGraphStore((s) => s.setOverlay);

  const shapeState = useShapeFields(summary?.inputs ?? NO_INPUTS);
  const [level, setLevel] = useState<Level>('extended');
  const [backend, setBackend] = useState<'onnxruntime' | 'tensorrt'>('onnxruntime');
  const [builderLevel, setBuilderLevel] = useState(3);
  const [ampere, setAmpere] = useState(false);
  const [tf32, setTf32] = useState(true);
  const [shapeValues, setShapeValues] = useState('');
  const [warmupMs, setWarmupMs] = useState('200');
  const [mode, setMode] = useState<'duration' | 'iterations'>('duration');
  const [amount, setAmount] = useState('3');
  const [threads, setThreads] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [inputFile, setInputFile] = useState<File | null>(null);
  const variants = useVariants((s) => s.variants);
  const [target, setTarget] = useState('');
  const variant = variants.find((v) => v.id === target);

  useEffect(() => {
    if (summary) forModel(summary.sha256);
  }, [summary, forModel]);

  // Paint the chosen run on the graph; clear when it goes away.
  const shown = runs.find((r) => r.id === onGraph);
  useEffect(() => {
    if (!graphModel) return;
    if (shown) setOverlay(timeOverlay(shown.report, graphModel.payload.nodeName, shown.label));
  }, [shown, graphModel, setOverlay]);

  if (!summary || !client || !source) return null;

  const start = async () => {
    // With an input file, its arrays give the shapes.
    const dims = inputFile ? {} : shapeState.parse();
    if (typeof dims === 'string') return setFormError(dims);
    const n = Number(amount);
    const warm = Number(warmupMs);
    if (!Number.isFinite(n) || n <= 0) return setFormError(`${mode} must be a positive number`);
    if (!Number.isInteger(warm) || warm < 0) return setFormError('warm-up must be whole milliseconds');
    const t = threads.trim() === '' ? undefined : Number(threads);
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) return setFormError('threads must be a whole number ≥ 1');
    const trt = backend === 'tensorrt';
    let profiles: Record<string, { values: ShapeTensorValues }> = {};
    if (trt) {
      try {
        const given = parseShapeValues(shapeValues);
        for (const [name, v] of Object.entries(given)) {
          const checked = ShapeTensorValuesSchema.safeParse(v);
          if (!checked.success) return setFormError(`${name}: ${checked.error.issues[0]!.message}`);
        }
        profiles = Object.fromEntries(Object.entries(given).map(([n, v]) => [n, { values: v }]));
      } catch (err) {
        return setFormError(err instanceof Error ? err.message : String(err));
      }
    }
    setFormError(null);
    const inputs = inputFile ? await fileSource(inputFile) : undefined;
    const label = `#${runs.length + 1} ${trt ? 'TRT ' : ''}${variant ? `${variant.recipe.precision} ` : ''}${trt ? `L${builderLevel}` : level}${t ? ` ${t}t` : ''}`;
    void run(
      client,
      variant ? { kind: 'variant', variantId: variant.id } : source,
      {
        build: trt
          ? {
              backend: 'tensorrt',
              optimizationLevel: level,
              trt: {
                builderOptimizationLevel: builderLevel,
                hardwareCompatibility: ampere ? 'ampere+' : 'none',
                tf32,
                profiles,
              },
            }
          : { backend: 'onnxruntime', optimizationLevel: level },
        profile: {
          warmupMs: warm,
          ...(mode === 'duration' ? { durationS: n } : { iterations: Math.round(n) }),
          shapes: dims,
          seed: 1,
          layerRuns: 10,
          ...(t ? { intraOpThreads: t } : {}),
          ...(inputs ? { inputs } : {}),
        },
      },
      label,
    );
  };

  const exportRun = (r: ProfileRun, target: 'triton' | 'engine') => {
    const base = `${summary.fileName.replace(/\.onnx$/i, '')}_${r.report.build.backend}${r.label.includes('fp16') ? '_fp16' : ''}`;
    const name = base.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
    const batch = [...summary.inputs, ...summary.outputs].every((v) => v.dims?.length && typeof v.dims[0] !== 'number');
    void exportTo(client, r, target, {
      name,
      maxBatchSize: batch ? 8 : 0,
      dynamicBatching: batch,
      instances: 1,
      kind: r.request.build?.backend === 'tensorrt' ? 'gpu' : 'cpu',
    });
  };

  const best = (row: Row): number | null => {
    if (row.lower === undefined || !row.num || runs.length < 2) return null;
    const vals = runs.map((r) => row.num!(r.report));
    return vals.indexOf(row.lower ? Math.min(...vals) : Math.max(...vals));
  };

  return (
    <section className="profile" data-testid="profile-panel" aria-label="Build and profile">
      <form
        className="profile-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <h3>Build &amp; profile</h3>
        {variants.length > 0 && (
          <label>
            Model
            <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Model to profile">
              <option value="">original (FP32)</option>
              {variants.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Backend
          <select value={backend} onChange={(e) => setBackend(e.target.value as 'tensorrt')} aria-label="Backend">
            <option value="onnxruntime">ONNX Runtime · CPU</option>
            <option value="tensorrt">TensorRT{probe?.tensorrt.found ? ` ${probe.tensorrt.version}` : ''}</option>
          </select>
        </label>
        {backend === 'tensorrt' && !probe?.tensorrt.found && (
          <p className="muted" data-testid="trt-unavailable">
            {probe?.summary ?? 'TensorRT was not found'} — a build will say what is missing.
          </p>
        )}
        {backend === 'tensorrt' ? (
          <>
            <label>
              Builder optimization level
              <select
                value={builderLevel}
                onChange={(e) => setBuilderLevel(Number(e.target.value))}
                aria-label="Builder optimization level"
              >
                {[0, 1, 2, 3, 4, 5].map((l) => (
                  <option key={l} value={l}>
                    {l}
                    {l === 3 ? ' (default)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              <input type="checkbox" checked={ampere} onChange={(e) => setAmpere(e.target.checked)} />
              Hardware-compatible (Ampere+)
            </label>
            <label
              className="inline"
              title="TensorRT's default: FP32 layers may run TF32 tactics on Ampere and newer GPUs (FP32's range, FP16's 10-bit mantissa). Off builds them in strict FP32 (trtexec --noTF32), for an FP32 engine that matches ONNX Runtime's FP32 closely."
            >
              <input type="checkbox" checked={tf32} onChange={(e) => setTf32(e.target.checked)} />
              TF32 for FP32 layers
            </label>
            <label title="The values an integer input TensorRT reads on the host (a shape tensor, such as a Reshape's target shape) is built for: one list for min, opt and max, or min/opt/max. Without them TensorRT builds for all 1s, and the build warns.">
              Shape-tensor values
              <input
                value={shapeValues}
                placeholder="name:2x3 or name:1x1/2x3/4x6"
                onChange={(e) => setShapeValues(e.target.value)}
                aria-label="Shape-tensor values"
              />
            </label>
          </>
        ) : (
          <label>
            Optimization
            <select value={level} onChange={(e) => setLevel(e.target.value as Level)} aria-label="Optimization level">
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Warm-up (ms)
          <input value={warmupMs} onChange={(e) => setWarmupMs(e.target.value)} inputMode="numeric" />
        </label>
        <label>
          <select value={mode} onChange={(e) => setMode(e.target.value as 'duration')} aria-label="Run for">
            <option value="duration">Duration (s)</option>
            <option value="iterations">Iterations</option>
          </select>
          <input value={amount} onChange={(e) => setAmount(e.target.value)} aria-label="Amount" inputMode="decimal" />
        </label>
        <label>
          Threads
          <input value={threads} placeholder="auto" onChange={(e) => setThreads(e.target.value)} inputMode="numeric" />
        </label>
        <label>
          Inputs from .npy/.npz (optional)
          <input
            type="file"
            accept=".npy,.npz"
            aria-label="Input data file"
            onChange={(e) => setInputFile(e.target.files?.[0] ?? null)}
          />
        </label>
        <ShapeFields state={shapeState} />
        {running ? (
          <JobProgress
            className="profile-running"
            testId="profile-progress"
            label={running.label}
            progress={running.progress}
            onCancel={running.cancel}
          />
        ) : (
          <button type="submit" className="primary">
            Build &amp; profile
          </button>
        )}
        {(formError ?? error) && (
          <p className="profile-error" role="alert">
            {formError ?? error}
          </p>
        )}
      </form>
      <div className="profile-results">
        {runs.length === 0 ? (
          <p className="muted">
            No profiles yet. Each run builds the model with ONNX Runtime (cached), warms up, then measures latency like
            trtexec, and per-node time with ONNX Runtime&apos;s profiler. Runs stay side by side.
          </p>
        ) : (
          <>
            <table className="profile-table" data-testid="profile-table">
              <thead>
                <tr>
                  <th />
                  {runs.map((r, i) => (
                    <th key={r.id} style={{ borderTopColor: runColour(i) }}>
                      {r.label}
                      <div className="profile-actions">
                        <button
                          type="button"
                          className={`ghost ${onGraph === r.id ? 'on' : ''}`}
                          onClick={() => {
                            if (onGraph === r.id) {
                              setOnGraph(null);
                              setOverlay(null);
                            } else setOnGraph(r.id);
                          }}
                        >
                          {onGraph === r.id ? 'On graph' : 'Show on graph'}
                        </button>
                        <button
                          type="button"
                          className="ghost"
                          disabled={!!exporting}
                          title="Export a Triton model repository (config.pbtxt and the model) into Kiln's export folder"
                          onClick={() => exportRun(r, 'triton')}
                        >
                          Triton
                        </button>
                        {r.report.build.backend === 'tensorrt' && (
                          <button
                            type="button"
                            className="ghost"
                            disabled={!!exporting}
                            title="Export the .engine with its sidecar into Kiln's export folder"
                            onClick={() => exportRun(r, 'engine')}
                          >
                            Engine
                          </button>
                        )}
                        <button
                          type="button"
                          className="ghost"
                          aria-label={`Remove ${r.label}`}
                          onClick={() => remove(r.id)}
                        >
                          ×
                        </button>
                      </div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {ROWS.map((row) => {
                  const b = best(row);
                  return (
                    <tr key={row.label}>
                      <th scope="row" title={row.title}>
                        {row.label}
                      </th>
                      {runs.map((r, i) => (
                        <td key={r.id} className={b === i ? 'best' : undefined}>
                          {row.value(r.report)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <Warnings runs={runs} />
            {exporting && (
              <JobProgress
                className="profile-running"
                testId="export-progress"
                label={exporting.label}
                progress={exporting.progress}
                onCancel={exporting.cancel}
              />
            )}
            <ExportsList exports={exports} />
            <div className="profile-charts">
              <LatencyChart runs={runs} />
              <OpTypeChart runs={runs} />
              <LayerChart run={runs[runs.length - 1]!} colour={runColour(runs.length - 1)} />
            </div>
          </>
        )}
      </div>
    </section>
  );
}

/** The runs' warnings: what the builder warned of (TensorRT: inputs or shape tensors built for 1s), then the run's own. */
function Warnings({ runs }: { runs: ProfileRun[] }) {
  const all = runs.flatMap((r) => [
    ...r.report.build.warnings.map((w) => ({ kind: 'build', text: `${r.label} (build): ${w}` })),
    ...r.report.warnings.map((w) => ({ kind: 'run', text: `${r.label}: ${w}` })),
  ]);
  if (all.length === 0) return null;
  return (
    <ul className="profile-warnings" data-testid="profile-warnings">
      {all.map((w) => (
        <li key={w.text} data-kind={w.kind}>
          {w.text}
        </li>
      ))}
    </ul>
  );
}
