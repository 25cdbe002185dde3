#!/usr/bin/env node
/**
 * `npm run bench:zip`: what browser mode's on-the-fly .zip of an export folder (a Triton repository)
 * costs over sending the same bytes as a plain file. A 512 MiB model plus its config is served both
 * ways into a sink that drops the bytes, alternating rounds in one process so machine noise hits
 * both alike; the zip writer stores (no compression) and CRC-32s every byte. Runs the compiled code in dist/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');

const root = path.resolve(__dirname, '..', '..');
const { folderEntries, writeZip } = require(path.join(root, 'dist', 'electron', 'platform', 'zip-stream'));

const MIB = 2 ** 20;
const SIZE = 512 * MIB;
const ROUNDS = 3;

/** A sink that takes bytes as fast as they come (what a fast client over loopback would be). */
const sink = () =>
  new Writable({
    highWaterMark: 4 * MIB,
    write(_chunk, _enc, done) {
      done();
    },
  });

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-zip-'));
  try {
    const model = path.join(dir, 'cls', '1', 'model.onnx');
    fs.mkdirSync(path.dirname(model), { recursive: true });
    fs.writeFileSync(path.join(dir, 'cls', 'config.pbtxt'), 'name: "cls"\nplatform: "onnxruntime_onnx"\n');
    // Weights-like bytes (random, so nothing is special-cased), written in 8 MiB blocks.
    const block = Buffer.alloc(8 * MIB);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const fd = fs.openSync(model, 'w');
    for (let n = 0; n < SIZE; n += block.length) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const plain = [];
    const zipped = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      await pipeline(fs.createReadStream(model), sink());
      plain.push(performance.now() - t);
      t = performance.now();
      const out = sink();
      await writeZip(folderEntries(path.join(dir, 'cls')), out);
      out.end();
      zipped.push(performance.now() - t);
    }
    const best = (xs) => Math.min(...xs);
    const rate = (ms) => `${((SIZE / MIB / ms) * 1000).toFixed(0)} MiB/s`;
    console.log(
      `512 MiB model served as a file: best of ${ROUNDS} ${best(plain).toFixed(0)} ms (${rate(best(plain))})`,
    );
    console.log(
      `same folder as a stored .zip:   best of ${ROUNDS} ${best(zipped).toFixed(0)} ms (${rate(best(zipped))})`,
    );
    console.log(`zip / file: ${(best(zipped) / best(plain)).toFixed(2)}×`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
