/**
 * trtexec commands per TensorRT major: 11.x's trtexec lost the weak-typing flags and gained a
 * build-route tuner with an accuracy check; 10.x keeps --stronglyTyped for models that carry their
 * precision and the legacy flags where TensorRT is asked to choose. Every combination of options is
 * tried for 11, and none may carry a removed flag.
 */
import { describe, expect, it } from 'vitest';
import { TrtBuildOptionsSchema } from '../../../electron/shared/api/backends';
import { REMOVED_IN_11, trtexecCommand } from '../../../electron/core/trt/trtexec-command';

const base = TrtBuildOptionsSchema.parse({});
const flags = (cmd: string) => cmd.split(/\s+/).map((a) => a.replace(/^'/, '').split('=')[0]!);

describe('trtexec for TensorRT 11', () => {
  const variants = [
    base,
    TrtBuildOptionsSchema.parse({ stronglyTyped: false }),
    TrtBuildOptionsSchema.parse({ stronglyTyped: true, versionCompatible: true, hardwareCompatibility: 'ampere+' }),
    TrtBuildOptionsSchema.parse({ tuning: { routes: '-match_ragged_mha=[on|off]' } }),
  ];
  it('carries no removed flag and no --stronglyTyped, whatever the options', () => {
    for (const trt of variants) {
      const cmd = trtexecCommand({ major: 11, model: 'm.onnx', engine: 'm.engine', trt });
      const used = flags(cmd);
      for (const removed of REMOVED_IN_11) expect(used).not.toContain(removed);
      expect(used).not.toContain('--stronglyTyped');
      expect(used).not.toContain('--separateProfileRun');
      expect(cmd).toContain('--onnx=m.onnx --saveEngine=m.engine');
    }
  });

  it('refuses a legacy precision with the way forward (a variant), instead of dropping it silently', () => {
    expect(() => trtexecCommand({ major: 11, model: 'm.onnx', trt: base, legacyPrecision: 'fp16' })).toThrow(
      /TensorRT 11 has no --fp16.*make an FP16 variant/,
    );
  });

  it('offers the build-route tuner and its accuracy check, spelled as trtexec spells them', () => {
    const trt = TrtBuildOptionsSchema.parse({
      tuning: {
        routes: '-match_ragged_mha=[on|off] -copy_ppg=off',
        search: 'mixed',
        cacheFile: 'tune.jsonl',
        accuracy: {
          inputs: { input: 'in.bin' },
          refOutputs: { output: 'ref.bin' },
          threshold: 0.01,
          atol: 1e-3,
          rtol: 1e-2,
        },
      },
    });
    const cmd = trtexecCommand({ major: 11, model: 'm.onnx', engine: 'best.plan', trt });
    expect(cmd).toContain(
      "'--tuneBuildRoutes=-match_ragged_mha=[on|off] -copy_ppg=off' --tuningSearch=mixed --tuningCacheFile=tune.jsonl " +
        '--loadInputs=input:in.bin --loadRefOutputs=output:ref.bin --accuracyThreshold=0.01 --accuracyAlgorithm=l0 --atol=0.001 --rtol=0.01',
    );
    const cos = TrtBuildOptionsSchema.parse({
      tuning: {
        routes: '-a=[x|y]',
        accuracy: { inputs: {}, refOutputs: { y: 'y.bin' }, threshold: 0.001, algorithm: 'cos' },
      },
    });
    expect(trtexecCommand({ major: 11, model: 'm.onnx', engine: 'e', trt: cos })).toContain(
      '--loadRefOutputs=y:y.bin --accuracyThreshold=0.001 --accuracyAlgorithm=cos',
    );
  });

  it('says why an accuracy check cannot run: no engine to save, tolerances on a metric without them', () => {
    const acc = { inputs: {}, refOutputs: { y: 'y.bin' }, threshold: 0.1 };
    const trt = TrtBuildOptionsSchema.parse({ tuning: { routes: '-a=[x|y]', accuracy: acc } });
    expect(() => trtexecCommand({ major: 11, model: 'm.onnx', trt })).toThrow(/--saveEngine with --loadRefOutputs/);
    const l2 = TrtBuildOptionsSchema.parse({
      tuning: { routes: '-a=[x|y]', accuracy: { ...acc, algorithm: 'l2', atol: 1 } },
    });
    expect(() => trtexecCommand({ major: 11, model: 'm.onnx', engine: 'e', trt: l2 })).toThrow(/l0 accuracy check/);
    expect(() =>
      TrtBuildOptionsSchema.parse({ tuning: { routes: '-a=[x|y]', accuracy: { ...acc, refOutputs: {} } } }),
    ).toThrow(/at least one reference output/);
  });
});

describe('trtexec for TensorRT 10', () => {
  it('--stronglyTyped for a model that carries its precision (the default)', () => {
    const cmd = trtexecCommand({ major: 10, model: 'm.onnx', trt: base });
    expect(flags(cmd)).toContain('--stronglyTyped');
    expect(flags(cmd)).toContain('--separateProfileRun');
    for (const removed of REMOVED_IN_11) expect(flags(cmd)).not.toContain(removed);
  });

  it('the legacy flags where TensorRT is asked to choose, never beside --stronglyTyped (trtexec refuses both)', () => {
    const fp16 = flags(trtexecCommand({ major: 10, model: 'm.onnx', trt: base, legacyPrecision: 'fp16' }));
    expect(fp16).toContain('--fp16');
    expect(fp16).not.toContain('--stronglyTyped');
    const int8 = trtexecCommand({
      major: 10,
      model: 'm.onnx',
      trt: base,
      legacyPrecision: 'int8',
      calibrationCache: 'c.cache',
    });
    expect(int8).toContain('--int8 --calib=c.cache');
    expect(flags(int8)).not.toContain('--stronglyTyped');
  });

  it('refuses the tuner, which 10.x does not have', () => {
    const trt = TrtBuildOptionsSchema.parse({ tuning: { routes: '-a=[x|y]' } });
    expect(() => trtexecCommand({ major: 10, model: 'm.onnx', trt })).toThrow(
      /TensorRT 11's; TensorRT 10's trtexec has neither/,
    );
  });
});

describe('shape-tensor values in the trtexec command', () => {
  it("go where trtexec reads a shape tensor's values (--minShapes/--optShapes/--maxShapes), beside other inputs' dims", () => {
    const trt = TrtBuildOptionsSchema.parse({
      profiles: {
        x: { min: [1, 3, 8, 8], opt: [4, 3, 8, 8], max: [8, 3, 8, 8] },
        shape: { values: { min: [1, 1], opt: [2, 3], max: [4, 6] } },
      },
    });
    const cmd = trtexecCommand({ major: 10, model: 'm.onnx', trt });
    expect(cmd).toContain('--minShapes=x:1x3x8x8,shape:1x1');
    expect(cmd).toContain('--optShapes=x:4x3x8x8,shape:2x3');
    expect(cmd).toContain('--maxShapes=x:8x3x8x8,shape:4x6');
  });
});

describe('TF32', () => {
  it('strict FP32 (tf32: false) is --noTF32 for both majors; the default (TF32 allowed) adds nothing', () => {
    for (const major of [10, 11] as const) {
      const strict = trtexecCommand({ major, model: 'm.onnx', trt: TrtBuildOptionsSchema.parse({ tf32: false }) });
      expect(flags(strict)).toContain('--noTF32');
      expect(flags(trtexecCommand({ major, model: 'm.onnx', trt: base }))).not.toContain('--noTF32');
    }
  });
});
