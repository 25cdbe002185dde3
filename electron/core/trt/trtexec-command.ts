/**
 * The trtexec command line equivalent to a Kiln TensorRT build and profile, ready to copy, for the
 * TensorRT major it targets. 11.x removed the weak-typing flags (--fp16, --int8, --bf16, --fp8,
 * --int4, --best, --calib): precision comes from the model itself (Kiln's variants), every network is
 * strongly typed (--stronglyTyped is a no-op there and is left out), and a profiling run is always
 * separate. 11.x gained a build-route tuner with an accuracy check (--tuneBuildRoutes, --tuningSearch,
 * --tuningCacheFile, --loadRefOutputs, --accuracyThreshold, --accuracyAlgorithm, --atol, --rtol;
 * NVIDIA/TensorRT samples/trtexec/README.md, "Global performance tuner"), offered where the build
 * options ask for it. On 10.x, --stronglyTyped applies where the model carries its precision, and
 * the legacy flags where the caller asks for TensorRT to pick precisions itself.
 */
import type { z } from 'zod';
import { KilnError } from '../../shared/api/errors';
import type { TrtBuildOptionsSchema } from '../../shared/api/backends';

type TrtOptions = z.output<typeof TrtBuildOptionsSchema>;

/** Flags TensorRT 11's trtexec no longer has: a command for 11 must carry none of them. */
export const REMOVED_IN_11 = ['--fp16', '--int8', '--bf16', '--fp8', '--int4', '--best', '--calib'] as const;

const shell = (s: string) => (/^[A-Za-z0-9_./:=,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const dims = (d: number[]) => d.join('x');
const pairs = (r: Record<string, string>) =>
  Object.entries(r)
    .map(([n, f]) => `${n}:${f}`)
    .join(',');

function tuningArgs(t: NonNullable<TrtOptions['tuning']>, engine: string | undefined): string[] {
  const args = [`--tuneBuildRoutes=${t.routes}`, `--tuningSearch=${t.search}`, `--tuningCacheFile=${t.cacheFile}`];
  const acc = t.accuracy;
  if (!acc) return args;
  // trtexec: --saveEngine becomes required when --loadRefOutputs is set.
  if (!engine)
    throw new KilnError(
      'INVALID_ARGUMENT',
      'an accuracy-checked tuning run needs an engine file to save the best engine to (trtexec requires --saveEngine with --loadRefOutputs)',
    );
  if (Object.keys(acc.inputs).length > 0) args.push(`--loadInputs=${pairs(acc.inputs)}`);
  args.push(
    `--loadRefOutputs=${pairs(acc.refOutputs)}`,
    `--accuracyThreshold=${acc.threshold}`,
    `--accuracyAlgorithm=${acc.algorithm}`,
  );
  if (acc.algorithm === 'l0') {
    if (acc.atol !== undefined) args.push(`--atol=${acc.atol}`);
    if (acc.rtol !== undefined) args.push(`--rtol=${acc.rtol}`);
  } else if (acc.atol !== undefined || acc.rtol !== undefined)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `atol and rtol are the l0 accuracy check's tolerances; the ${acc.algorithm} check takes a threshold only`,
    );
  return args;
}

export function trtexecCommand(o: {
  major: 10 | 11;
  model: string;
  engine?: string;
  trt: TrtOptions;
  /** Concrete shapes for profiling (used as min = opt = max for inputs without a profile). */
  shapes?: Record<string, number[]>;
  /** TensorRT 10's implicit precision (weak typing); refused on 11, which has none. */
  legacyPrecision?: 'fp16' | 'int8';
  calibrationCache?: string;
}): string {
  const args = ['trtexec', `--onnx=${o.model}`];
  if (o.engine) args.push(`--saveEngine=${o.engine}`);
  if (o.major === 10) {
    if (o.trt.tuning)
      throw new KilnError(
        'INVALID_ARGUMENT',
        "trtexec's build-route tuner and accuracy check (--tuneBuildRoutes, --loadRefOutputs) are TensorRT 11's; TensorRT 10's trtexec has neither",
      );
    // Weak typing where the caller asks TensorRT to choose precisions; else the model's own types.
    if (o.legacyPrecision === 'fp16') args.push('--fp16');
    else if (o.legacyPrecision === 'int8') {
      args.push('--int8');
      if (o.calibrationCache) args.push(`--calib=${o.calibrationCache}`);
    } else if (o.trt.stronglyTyped) args.push('--stronglyTyped');
  } else if (o.legacyPrecision)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `TensorRT 11 has no --${o.legacyPrecision}: it builds every layer in the model's own types, so make an ${o.legacyPrecision === 'fp16' ? 'FP16' : 'INT8 Q/DQ'} variant and export that`,
    );
  // trtexec reads a shape tensor's values where other inputs have dims (sampleEngines.cpp: setShapeValuesV2).
  const profiles = Object.entries(o.trt.profiles).flatMap(([n, p]) => {
    const r = p.values ?? (p.min && p.opt && p.max ? { min: p.min, opt: p.opt, max: p.max } : null);
    return r ? [[n, r] as const] : [];
  });
  if (profiles.length > 0) {
    for (const k of ['min', 'opt', 'max'] as const)
      args.push(`--${k}Shapes=${profiles.map(([n, r]) => `${n}:${dims(r[k])}`).join(',')}`);
  } else if (o.shapes && Object.keys(o.shapes).length > 0) {
    args.push(
      `--shapes=${Object.entries(o.shapes)
        .map(([n, d]) => `${n}:${dims(d)}`)
        .join(',')}`,
    );
  }
  if (o.trt.workspaceMiB) args.push(`--memPoolSize=workspace:${o.trt.workspaceMiB}M`);
  args.push(`--builderOptimizationLevel=${o.trt.builderOptimizationLevel}`);
  if (o.trt.hardwareCompatibility === 'ampere+') args.push('--hardwareCompatibilityLevel=ampere+');
  if (o.trt.versionCompatible) args.push('--versionCompatible');
  if (!o.trt.tf32) args.push('--noTF32');
  if (o.major === 11 && o.trt.tuning) args.push(...tuningArgs(o.trt.tuning, o.engine));
  args.push(
    '--timingCacheFile=timing.cache',
    '--profilingVerbosity=detailed',
    '--exportLayerInfo=layers.json',
    '--exportProfile=profile.json',
    '--exportTimes=times.json',
  );
  // 11.x always profiles layers in a run of their own.
  if (o.major === 10) args.push('--separateProfileRun');
  return args.map(shell).join(' ');
}
