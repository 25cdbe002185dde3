/**
 * The trtexec command line equivalent to a Kiln TensorRT build and profile, ready to copy, for
 * TensorRT 10 or 11. 11.x removed the precision builder flags (--fp16, --int8, --best): precision
 * comes from the model itself (Kiln's variants), and networks are strongly typed.
 */
import type { z } from 'zod';
import type { TrtBuildOptionsSchema } from '../../shared/api/contract';

type TrtOptions = z.output<typeof TrtBuildOptionsSchema>;

const shell = (s: string) => (/^[A-Za-z0-9_./:=,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const dims = (d: number[]) => d.join('x');

export function trtexecCommand(o: {
  major: 10 | 11;
  model: string;
  engine?: string;
  trt: TrtOptions;
  /** Concrete shapes for profiling (used as min = opt = max for inputs without a profile). */
  shapes?: Record<string, number[]>;
  /** Legacy 10.x implicit precision (ignored on 11.x, where the model carries its precision). */
  legacyPrecision?: 'fp16' | 'int8';
  calibrationCache?: string;
}): string {
  const args = ['trtexec', `--onnx=${o.model}`];
  if (o.engine) args.push(`--saveEngine=${o.engine}`);
  if (o.major === 10) {
    if (o.trt.stronglyTyped) args.push('--stronglyTyped');
    else if (o.legacyPrecision === 'fp16') args.push('--fp16');
    else if (o.legacyPrecision === 'int8') {
      args.push('--int8');
      if (o.calibrationCache) args.push(`--calib=${o.calibrationCache}`);
    }
  }
  const profiles = Object.entries(o.trt.profiles);
  if (profiles.length > 0) {
    args.push(`--minShapes=${profiles.map(([n, p]) => `${n}:${dims(p.min)}`).join(',')}`);
    args.push(`--optShapes=${profiles.map(([n, p]) => `${n}:${dims(p.opt)}`).join(',')}`);
    args.push(`--maxShapes=${profiles.map(([n, p]) => `${n}:${dims(p.max)}`).join(',')}`);
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
  args.push(
    '--timingCacheFile=timing.cache',
    '--profilingVerbosity=detailed',
    '--exportLayerInfo=layers.json',
    '--exportProfile=profile.json',
    '--exportTimes=times.json',
    '--separateProfileRun',
  );
  return args.map(shell).join(' ');
}
