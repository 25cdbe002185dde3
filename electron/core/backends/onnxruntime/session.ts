/**
 * The one seam to ONNX Runtime's sessions: every session Kiln opens (a build, profiling, calibration,
 * the INT8 accuracy and speed checks, comparison) is opened here, from the few settings its caller
 * states, so the options ONNX Runtime gets are written in one place. Calibration and the layerwise
 * comparison read intermediate tensors by opening a copy of the model with them exposed as graph
 * outputs; a run that fails can name the file and what was run. The seam also knows how many
 * sessions are open, so tests can see that a job, cancelled or not, leaves none behind (each holds
 * the model's weights in native memory the garbage collector does not see).
 */
import * as ort from 'onnxruntime-node';
import { KilnError } from '../../../shared/api/errors';
import type { GraphProto, ValueInfoProto } from '../../onnx/model';
import type { OpenedModel } from '../../onnx/open';
import { writeModelFile } from '../../onnx/write';

export interface SessionSettings {
  /** ONNX Runtime's graph optimizations; 'disabled' keeps every tensor as the model computes it. */
  optimization: NonNullable<ort.InferenceSession.SessionOptions['graphOptimizationLevel']>;
  /** Names the CPU execution provider (onnxruntime-node's only one here). */
  cpu?: boolean;
  /** ONNX Runtime logs errors only (severity 3); otherwise its default, warnings too. */
  quiet?: boolean;
  /** Intra-op threads; ONNX Runtime's default when absent or 0. */
  threads?: number;
  /** Idle intra-op threads do not spin after a run (sessions timed side by side on few cores). */
  noSpinning?: boolean;
  /** Where ONNX Runtime saves the model as it optimized it. */
  optimizedModelPath?: string;
  /**
   * With optimizedModelPath: large initializers go to this file (a bare name, beside the saved
   * model) instead of inside it, so a model whose weights were external data stays loadable from
   * wherever the saved copy lives.
   */
  optimizedExternalData?: string;
  /** Records ONNX Runtime's per-node profile into files starting with this prefix. */
  profilePrefix?: string;
}

/** ONNX Runtime's options for `s`: only what is set, so unset settings keep ONNX Runtime's defaults. */
function sessionOptions(s: SessionSettings): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: s.optimization };
  if (s.cpu) o.executionProviders = ['cpu'];
  if (s.optimizedModelPath) o.optimizedModelFilePath = s.optimizedModelPath;
  if (s.quiet) o.logSeverityLevel = 3;
  if (s.threads) o.intraOpNumThreads = s.threads;
  const session: Record<string, unknown> = {};
  if (s.noSpinning) session.intra_op = { allow_spinning: '0' };
  if (s.optimizedModelPath && s.optimizedExternalData) {
    session.optimized_model_external_initializers_file_name = s.optimizedExternalData;
    session.optimized_model_external_initializers_min_size_in_bytes = '1024';
  }
  if (Object.keys(session).length > 0) o.extra = { session };
  if (s.profilePrefix !== undefined) {
    o.enableProfiling = true;
    o.profileFilePrefix = s.profilePrefix;
  }
  return o;
}

const live = new Set<ort.InferenceSession>();

/** Opens the model at `file`. */
export async function openSession(file: string, settings: SessionSettings): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(file, sessionOptions(settings));
  live.add(session);
  const release = session.release.bind(session);
  session.release = () => {
    live.delete(session);
    return release();
  };
  return session;
}

/** How many sessions are open and not yet released (for tests). */
export function liveSessions(): number {
  return live.size;
}

/** A graph output exposing the tensor `name` of element type `elemType` (its shape left to ONNX Runtime). */
export function tensorOutput(name: string, elemType: number): ValueInfoProto {
  return { name, type: { kind: 'tensor', elemType, shape: null, denotation: '' }, docString: '' };
}

/**
 * Opens a copy of `opened` whose graph outputs are `outputs`, written to `file` (the caller's to
 * remove): a run returns the tensors exposed there. `opened` is left as it was. A failure to load
 * the copy is thrown as `loadError` makes it; a failure to write it, as it is.
 */
export async function openExposed(
  opened: OpenedModel,
  outputs: ValueInfoProto[],
  file: string,
  settings: SessionSettings,
  loadError: (err: unknown) => Error,
): Promise<ort.InferenceSession> {
  const graph = opened.model.graph as GraphProto;
  const saved = graph.output;
  graph.output = outputs;
  try {
    writeModelFile(opened.model, file, { source: opened.bytes });
  } finally {
    graph.output = saved;
  }
  try {
    return await openSession(file, settings);
  } catch (err) {
    throw loadError(err);
  }
}

/** Runs `session` on `feeds`; a failure names `file` and what was run (`ran`: "on calibration sample 3"). */
export async function runFeeds(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  file: string,
  ran: string,
): Promise<ort.InferenceSession.ReturnType> {
  try {
    return await session.run(feeds);
  } catch (err) {
    throw new KilnError(
      'UNSUPPORTED',
      `ONNX Runtime failed to run ${file} ${ran}: ${err instanceof Error ? err.message : String(err)}`,
      { file },
    );
  }
}
