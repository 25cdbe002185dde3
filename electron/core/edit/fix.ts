/**
 * `kiln fix`: the edits the readiness check's findings call for, chosen mechanically — only edits
 * that are safe on any model: opset conversion when the model is older than the parser reads,
 * dequantize when integer-quantized ops are found, upcast when the weights are stored in FP16,
 * the input shapes when the user gives them, folding, and INT64 → INT32. Then the result is
 * written as a new version and checked again; what is still unsupported is in that check.
 */
import { INTEGER_QUANTIZED_OPS, type Edit } from '../../shared/api/edits';
import { DataType } from '../onnx/dtypes';
import type { ModelAnalysis } from '../onnx/analyze';
import type { JobContext } from '../jobs/context';
import { shapesCached } from '../onnx/analyze';
import { checkModel, type CheckReport } from '../trt/check';
import { supportTable, type TrtMajor } from '../trt/support';
import { canApply } from './apply';
import { editAnalysed } from './version';
import type { EditReport } from '../../shared/api/edits';

export interface FixPlan {
  edits: Edit[];
  /** Why each edit was chosen, and the ones this build cannot apply. */
  notes: string[];
}

/** Weights stored in FP16: at least as many FP16 initializers as FP32 ones, and some. */
function storedInFp16(a: Pick<ModelAnalysis, 'opened'>): boolean {
  let half = 0;
  let single = 0;
  for (const t of a.opened.model.graph?.initializer ?? []) {
    if (t.dataType === DataType.FLOAT16) half++;
    else if (t.dataType === DataType.FLOAT) single++;
  }
  return half > 0 && half >= single;
}

function hasInt64(a: Pick<ModelAnalysis, 'opened'>): boolean {
  const g = a.opened.model.graph;
  if (!g) return false;
  return (
    g.initializer.some((t) => t.dataType === DataType.INT64) ||
    g.node.some(
      (n) =>
        n.opType === 'Constant' ||
        (n.opType === 'Cast' && n.attribute.some((x) => x.name === 'to' && x.i === DataType.INT64)),
    )
  );
}

/** The edits `kiln fix` applies to the analysed model for TensorRT `trt`. */
export function planFix(
  a: Pick<ModelAnalysis, 'opened'>,
  report: CheckReport,
  trt: TrtMajor,
  shapes: Record<string, number[]>,
): FixPlan {
  const edits: Edit[] = [];
  const notes: string[] = [];
  const want = (edit: Edit, why: string) => {
    if (canApply(edit.kind)) {
      edits.push(edit);
      notes.push(`${edit.kind}: ${why}`);
    } else notes.push(`${edit.kind} is called for (${why}) but is not available in this build`);
  };
  const table = supportTable(trt);
  const entry = a.opened.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = entry?.version ?? 1;
  if (opset < table.opsets.min)
    want(
      { kind: 'opset', version: table.opsets.min },
      `opset ${opset} is below the ${table.opsets.min} TensorRT ${trt} reads`,
    );
  const quantized = new Set(
    (a.opened.model.graph?.node ?? []).filter((n) => INTEGER_QUANTIZED_OPS.has(n.opType)).map((n) => n.opType),
  );
  if (quantized.size > 0) want({ kind: 'dequantize' }, `the model has ${[...quantized].join(', ')}`);
  if (storedInFp16(a)) want({ kind: 'upcast' }, 'the weights are stored in FP16');
  if (Object.keys(shapes).length > 0) want({ kind: 'shapes', shapes }, 'input shapes given');
  want({ kind: 'fold' }, `${report.nodes} nodes before; constants and shape arithmetic fold away`);
  if (hasInt64(a)) want({ kind: 'int64ToInt32' }, 'TensorRT computes in INT32');
  return { edits, notes };
}

/** The `model.fix` job. */
export async function fixModelFile(
  modelPath: string,
  displayName: string,
  opts: { trt: TrtMajor; shapes: Record<string, number[]>; inputPaths: string[] },
  ctx: JobContext,
): Promise<EditReport> {
  ctx.progress({ fraction: null, stage: `Checking ${displayName} against TensorRT ${opts.trt}` });
  // The app has this analysis already when the model is open there; the CLI reads it once.
  const a = await shapesCached(modelPath, displayName);
  const before = checkModel(a, opts.trt);
  const plan = planFix(a, before, opts.trt, opts.shapes);
  const report = await editAnalysed(
    a,
    {
      edits: plan.edits,
      trt: opts.trt,
      inputPaths: opts.inputPaths,
      name: `${displayName.replace(/\.onnx$/i, '')}.trt${opts.trt}.onnx`,
      notes: [
        `before: ${before.unsupported} of ${before.nodes} nodes unsupported by TensorRT ${opts.trt}`,
        ...plan.notes,
      ],
    },
    ctx,
  );
  const after = report.check;
  if (after && after.unsupported > 0) {
    const ops = [...new Set(after.findings.filter((f) => f.status !== 'warning').map((f) => f.op || f.node))];
    report.notes.push(
      `still unsupported: ${after.unsupported} node${after.unsupported === 1 ? '' : 's'} (${ops.slice(0, 8).join(', ')})`,
    );
  }
  return report;
}
