/**
 * What `kiln`, `kiln help <command>` and `kiln <command> --help` print: one block per command, so
 * every command answers --help with its own options (and the whole list is those blocks together);
 * and how wrong usage is told apart (exit 2, with the usage printed).
 */
import { DEFAULT_THRESHOLDS, describeThresholds } from '../shared/compare/thresholds';

/** A command line Kiln cannot take: reported with the usage, exit code 2. */
export class UsageError extends Error {}

export const COMMAND_HELP = {
  inspect: `  inspect <model.onnx> [--json] [--nodes]   summary of a model: inputs, outputs, ops, parameters`,
  profile: `  profile <model.onnx> [--warmup MS] [--duration S | --iterations N] [--shapes name:1x3x224x224,...]
          [--level disabled|basic|extended|all] [--threads N] [--layer-runs N] [--inputs data.npz] [--json]
          [--backend onnxruntime|tensorrt] [--shape-values name:2x3 | name:MINxM/OPTxO/MAXxM,...]
                                            build with ONNX Runtime (CPU), or TensorRT through its plugin,
                                            and time it like trtexec; the builder's warnings are printed
                                            (--shape-values: what a shape-tensor input is built for)`,
  check: `  check <model.onnx> [--trt 10|11|10.3] [--json]  which nodes TensorRT's ONNX parser cannot take, and why
                                            (exit 1 when a node is unsupported: gate CI on it)`,
  convert: `  convert <model.onnx> --precision fp16|int8 -o <out.onnx> [--exclude-ops A,B] [--exclude-nodes n1,n2]
          fp16: [--no-keep-io] [--data-max N] [--samples N --shapes x:1x3x224x224]  (measure activation ranges)
          int8: [--calib DIR|a.npz,b.npy] [--calibrator max|percentile|entropy|mse] (mse for tensorrt, max for onnxruntime)
                [--target tensorrt|onnxruntime] [--no-check]  (with --calib, INT8 is checked against FP32
                here and layers that cost accuracy stay float; onnxruntime: timed too, layers that lose
                time stay float; --no-check: every layer INT8)
                [--samples N] [--shapes x:1x3x224x224] [--equalize | --no-equalize]
                [--fp16] [--fp32-nodes n1,n2]  (tensorrt: what is not INT8 in FP16, as ModelOpt's
                high_precision_dtype; --fp32-nodes pinned to FP32; --exclude-nodes: not INT8)
                (channel equalization: on by default for tensorrt, off for onnxruntime)
          both: [--specialize] [--fix sr=16000]  fix the shapes (and inputs), inline the If branches they decide
          images (--calib DIR of .png/.jpg): [--resize stretch|crop|pad] [--scale 0.00392]
                [--mean 0.485,0.456,0.406] [--std 0.229,0.224,0.225] [--layout NCHW|NHWC] [--bgr]
                                            make a precision variant (recipe in metadata_props)`,
  compare: `  compare <model.onnx> --variants fp16[,...] [--shapes x:1x3x224x224] [--samples N]
          [--target cosine>=0.999,snr>=25] [--json] [--report out.html]   (variants: fp16, int8)
          (default: ${describeThresholds(DEFAULT_THRESHOLDS)};
          psnr, atol and rtol judged when given; =off drops any but cosine)
          [--inputs DIR|a.npz]  judge on real inputs (images or arrays; image flags as convert)
          [--outputs out1,out2] judge only these outputs (the others are measured, not judged)
          [--stream stateN:state] run the samples as one stream, each model feeding back its own state
          [--specialize] [--fix sr=16000]  variants specialized as convert makes them
          [--calib DIR|a.npz]   calibration data for the INT8 variant
          [--latency]           also time FP32 and each variant as profile does (ONNX Runtime, CPU) and
                                print latency against accuracy in one table (JSON: each variant's latency,
                                and the reference's); with [--warmup MS] [--duration S | --iterations N] [--threads N]
                                            accuracy of variants against FP32 (exit 1 when one fails)`,
  diff: `  diff <a.onnx> <b.onnx> [--json] [--all-renamed]
          what changed from a to b: nodes added, removed, changed and renamed
          (paired by name, then by structure), weights that moved (max |Δ|, cosine), inputs and outputs,
          opsets, IR version, metadata; --json lists the changes only, nodes whose only change is their
          name counted (nodes.renamedCount) and the first 100 listed (--all-renamed: all)
                                            (exit 0 no changes, 1 changes, as diff does)`,
  engine: `  engine <model.onnx> <layers.json> [profile.json] [times.json] [--vs <files>…]… [--json] [--report out.html]
          the engine trtexec built, mapped onto the model: layers with type, compute precision, tactic, time
          and share, the ONNX nodes each covers, what maps to nothing and why, nodes no layer covers, how
          well the files match the model, and the precision audit (what Kiln's recipe asked per node
          against what the engine built; without a recipe, FP32 layers in a lower-precision engine)
          --vs <files>  another engine of the model (up to 4 in all): layers lined up through the ONNX
                        nodes they cover, per group each engine's layers, precision, time and the
                        difference, whether fusion differs, reformat time, totals; most changed first
          (trtexec --onnx=model.onnx --profilingVerbosity=detailed --exportLayerInfo=layers.json
           --exportProfile=profile.json --exportTimes=times.json writes the files)
                                            (exit 1 when files are not the model's, or a node was not built as asked)`,
  fix: `  fix <model.onnx> --for trt10|trt11 [--shapes x:1x3x224x224] -o <fixed.onnx> [--inputs a.npz] [--json]
          apply every safe edit the readiness check calls for (opset, dequantize, upcast, shapes, fold,
          INT64 → INT32), run the result beside the original, and check it again
                                            (exit 1 when the check after still finds unsupported nodes)`,
  edit: `  edit <model.onnx> -o <out.onnx> [--fold] [--shapes x:1x3x224x224|x:batchx3x224x224]
          [--dynamic-batch NAME] [--int64-to-int32] [--opset N] [--dequantize [--keep-int4]] [--upcast]
          [--extract in1,in2:out1,out2] [--add-outputs t1,t2] [--remove n1,n2] [--rename a=b]
          [--rename-node a=b] [--plugin n1,n2=Domain::Op] [--trt 10|11] [--inputs a.npz] [--json]
          chosen edits; edits meant to be exact that move an output are refused and nothing is written;
          --opset N raises the opset up to 25 (with --trt: up to the newest that TensorRT parses,
          10: 24, 11: 25); --dequantize --keep-int4 keeps symmetric 4-bit MatMulNBits weights as a
          blocked INT4 DequantizeLinear (opset ≥ 21: add --opset 21)
                                     (with --trt: exit 1 when the check after fails)`,
  probe: `  probe [--json]                            look for TensorRT and CUDA on this machine`,
  serve: `  serve [--port N] [--host ADDR]            start browser mode (same as npm run serve)`,
} as const;

export type Command = keyof typeof COMMAND_HELP;

export const isCommand = (c: string | undefined): c is Command => c !== undefined && Object.hasOwn(COMMAND_HELP, c);

const EXIT_CODES = 'Exit codes: 0 success, 1 the model or machine failed a check, 2 wrong usage.';

export const USAGE = `Usage: kiln <command> [options]
       kiln <command> --help       the options of one command
       kiln --version              Kiln's version

Commands:
${Object.values(COMMAND_HELP).join('\n')}

${EXIT_CODES}`;

/** `kiln <command> --help`: that command's block. */
export function commandUsage(command: Command): string {
  return `Usage: kiln ${command} [options]\n\n${COMMAND_HELP[command]}\n\n${EXIT_CODES}`;
}

/** A flag's non-negative number, or undefined when the flag is absent. */
export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a non-negative number, not "${value}"`);
  return n;
}
