// The real addon, built by `npm run build:native`, probing this machine — and a fake TensorRT
// library compiled here, to prove that a library that exists is found and its version read.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeProbeSchema } from '../../../electron/shared/api/app-info';
import { probeNative } from '../../../electron/core/native/probe';
import { NATIVE_ADDON, needs } from '../../prerequisites';

const tmp = path.resolve(__dirname, '../../.tmp/native');

afterEach(() => {
  delete process.env.KILN_TENSORRT_DIR;
});

function compileLib(name: string, source: string): string {
  fs.mkdirSync(tmp, { recursive: true });
  const src = path.join(tmp, `${name}.c`);
  fs.writeFileSync(src, source);
  execFileSync('g++', ['-x', 'c++', '-shared', '-fPIC', '-o', path.join(tmp, name), src]);
  return tmp;
}

describe('native probe', () => {
  it('reports what this machine has, listing every place searched', needs(NATIVE_ADDON), () => {
    const p = NativeProbeSchema.parse(probeNative());
    expect(p.addon.loaded).toBe(true);
    const hasTrt = ['/usr/lib/x86_64-linux-gnu', '/usr/local/tensorrt/lib', '/opt/tensorrt/lib'].some((d) =>
      ['libnvinfer.so.10', 'libnvinfer.so.11'].some((l) => fs.existsSync(path.join(d, l))),
    );
    expect(p.tensorrt.found).toBe(hasTrt);
    if (!hasTrt) {
      expect(p.summary).toMatch(/^TensorRT: not found — searched libnvinfer\.so\.11, libnvinfer\.so\.10 in \d+ places/);
      const tried = p.searched.filter((s) => s.library === 'libnvinfer.so.10').map((s) => s.path);
      expect(tried).toContain('/usr/local/tensorrt/lib');
      expect(tried).toContain('loader search path');
      expect(
        p.searched.find((s) => s.path === 'loader search path' && s.library === 'libnvinfer.so.11')?.result,
      ).toMatch(/not found by the loader: .*libnvinfer\.so\.11/);
    }
    // CUDA: the runtime is reported exactly when a runtime library exists where the probe looks.
    const cudart =
      fs.existsSync('/usr/local/cuda/lib64') &&
      fs.readdirSync('/usr/local/cuda/lib64').some((f) => /^libcudart\.so\.\d/.test(f));
    if (cudart) expect(p.summary).toMatch(/CUDA runtime \d+\.\d/);
    if (!fs.existsSync('/usr/lib/x86_64-linux-gnu/libcuda.so.1')) {
      expect(p.cuda.found).toBe(false);
      expect(p.summary).toContain('no GPU driver (libcuda.so.1 not found)');
    }
  });

  it('finds a TensorRT library in KILN_TENSORRT_DIR and reads its version', needs(NATIVE_ADDON), () => {
    const dir = compileLib('libnvinfer.so.10', 'extern "C" int getInferLibVersion() { return 101300; }');
    compileLib('libnvonnxparser.so.10', 'extern "C" int getNvOnnxParserVersion() { return 101300; }');
    process.env.KILN_TENSORRT_DIR = dir;
    const p = probeNative();
    expect(p.tensorrt).toEqual({
      found: true,
      version: '10.13.0',
      library: path.join(dir, 'libnvinfer.so.10'),
      parser: path.join(dir, 'libnvonnxparser.so.10'),
    });
    expect(p.summary).toMatch(/^TensorRT 10\.13\.0 · /);
    expect(p.searched.find((s) => s.path === dir && s.library === 'libnvinfer.so.10')?.result).toBe('loaded');
  });

  it('refuses a library that does not export the version entry point', needs(NATIVE_ADDON), () => {
    const dir = compileLib('libnvinfer.so.11', 'extern "C" int somethingElse() { return 1; }');
    fs.rmSync(path.join(dir, 'libnvinfer.so.10'), { force: true });
    process.env.KILN_TENSORRT_DIR = dir;
    const p = probeNative();
    expect(p.searched.find((s) => s.path === dir && s.library === 'libnvinfer.so.11')?.result).toBe(
      'loaded, but it does not export getInferLibVersion',
    );
    fs.rmSync(path.join(dir, 'libnvinfer.so.11'));
  });

  it('says so when the addon did not build, and the rest of Kiln goes on', () => {
    const p = NativeProbeSchema.parse(probeNative(path.join(tmp, 'missing', 'build', 'Release', 'kiln_native.node')));
    expect(p.addon.loaded).toBe(false);
    expect(p.tensorrt.found).toBe(false);
    expect(p.summary).toMatch(/^TensorRT: not found — native addon did not build/);
  });
});
