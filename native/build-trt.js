#!/usr/bin/env node
// `npm run build:trt -- --trt-include DIR [--cuda-include DIR] [--out DIR]`: builds Kiln's real
// TensorRT plugin for the TensorRT major whose headers DIR holds (NvInferVersion.h says which),
// into native/build/plugins/libkiln_trt<major>.so. Headers are not shipped with Kiln.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

function die(message) {
  console.error(`build:trt: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    'trt-include': { type: 'string' },
    'cuda-include': { type: 'string', default: '/usr/local/cuda/include' },
    out: { type: 'string', default: path.join(__dirname, 'build', 'plugins') },
  },
});
const trt = values['trt-include'];
if (!trt) die('give --trt-include /path/to/TensorRT/include');
const versionFile = path.join(trt, 'NvInferVersion.h');
if (!fs.existsSync(versionFile)) die(`${versionFile} does not exist: --trt-include must be TensorRT's include folder`);
const text = fs.readFileSync(versionFile, 'utf8');
const major = (/#define\s+(?:TRT_MAJOR_ENTERPRISE|NV_TENSORRT_MAJOR)\s+(\d+)/.exec(text) ?? [])[1];
if (!major) die(`cannot read the TensorRT version from ${versionFile}`);
if (major !== '10' && major !== '11') die(`TensorRT ${major}: Kiln's plugin supports TensorRT 10 and 11`);
const cuda = values['cuda-include'];
if (!fs.existsSync(path.join(cuda, 'cuda_runtime_api.h')))
  die(`${cuda} has no cuda_runtime_api.h: give --cuda-include /path/to/cuda/include`);

const buildDir = path.join(__dirname, 'build', `trt${major}-cmake`);
const run = (args) => {
  const r = spawnSync('cmake', args, { stdio: 'inherit' });
  if (r.error) die(`cmake could not run: ${r.error.message}`);
  if (r.status !== 0) die(`cmake ${args[0]} failed`);
};
run([
  '-S',
  path.join(__dirname, 'plugins', 'tensorrt'),
  '-B',
  buildDir,
  '-DCMAKE_BUILD_TYPE=Release',
  `-DTRT_INCLUDE=${path.resolve(trt)}`,
  `-DCUDA_INCLUDE=${path.resolve(cuda)}`,
  `-DKILN_TRT_MAJOR=${major}`,
]);
run(['--build', buildDir, '--config', 'Release']);
const built = path.join(buildDir, `libkiln_trt${major}.so`);
if (!fs.existsSync(built)) die(`the build made no ${built}`);
fs.mkdirSync(values.out, { recursive: true });
const dest = path.join(values.out, `libkiln_trt${major}.so`);
fs.copyFileSync(built, `${dest}.tmp`);
fs.renameSync(`${dest}.tmp`, dest);
console.log(`build:trt: TensorRT ${major} plugin at ${path.relative(process.cwd(), dest)}`);
