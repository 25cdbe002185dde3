/**
 * Synthesized speech for the audio models' calibration and accuracy checks: sentences spoken by
 * espeak-ng (Debian package `espeak-ng`) in several voices, speeds and pitches, resampled to
 * 16 kHz, with silence and low noise between them so a voice-activity detector sees both speech
 * and non-speech. Seeded: the same clips on every machine with the same espeak-ng.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { rng } from '../../electron/core/inputs/generate';

export const SAMPLE_RATE = 16_000;

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Please call Stella and ask her to bring these things from the store.',
  'Six spoons of fresh snow peas, five thick slabs of blue cheese.',
  'We also need a small plastic snake and a big toy frog for the kids.',
  'She can scoop these things into three red bags.',
  'The engine was built with sixteen bit floating point weights.',
  'Turn left at the second light, then keep going for two miles.',
  'Numbers like forty two and nineteen eighty four are easy to say.',
  'Is it going to rain tomorrow morning, or will it be sunny?',
  'Open the pod bay doors, please.',
  'A deployment engineer measures latency before shipping a model.',
  'Bright vixens jump; dozy fowl quack.',
];
const VOICES = ['en-us', 'en', 'en-gb-scotland', 'en-029', 'en-us+f3', 'en+m4', 'en-gb-x-rp+f2'];

/** True when espeak-ng is installed (tests skip speech otherwise, saying so). */
export function hasEspeak(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Mono 16-bit PCM samples and rate from a WAV file's bytes (espeak-ng writes 22050 Hz). */
function readWav(buf: Buffer): { rate: number; samples: Float32Array } {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('espeak-ng did not write a WAV file');
  let at = 12;
  let rate = 0;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    let size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(at + 12);
    if (id === 'data') {
      // espeak-ng writing to stdout cannot seek back: its data size is a placeholder.
      if (size === 0 || size === 0xffffffff || at + 8 + size > buf.length) size = buf.length - at - 8;
      const n = Math.floor(size / 2);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(at + 8 + 2 * i) / 32768;
      return { rate, samples };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('the WAV file has no data chunk');
}

/** Linear resampling: enough for test speech (espeak-ng has little energy near 8 kHz). */
function resample(x: Float32Array, from: number, to: number): Float32Array {
  const n = Math.floor((x.length * to) / from);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = (i * from) / to;
    const k = Math.floor(p);
    const f = p - k;
    y[i] = (x[k] ?? 0) * (1 - f) + (x[k + 1] ?? 0) * f;
  }
  return y;
}

/**
 * Clip `index` of a seeded set: two or three sentences in one voice, with 0.2–0.8 s of silence
 * around each, low noise throughout and a random gain, at 16 kHz.
 */
export function speechClip(index: number, seed = 1): Float32Array {
  const next = rng(seed * 7919 + index);
  const voice = VOICES[index % VOICES.length] as string;
  const speed = 130 + Math.floor(next() * 60);
  const pitch = 30 + Math.floor(next() * 40);
  const parts: Float32Array[] = [];
  const silence = () => new Float32Array(Math.floor(SAMPLE_RATE * (0.2 + 0.6 * next())));
  parts.push(silence());
  for (let s = 0, count = 2 + Math.floor(next() * 2); s < count; s++) {
    const text = SENTENCES[Math.floor(next() * SENTENCES.length)] as string;
    const wav = execFileSync('espeak-ng', ['--stdout', '-v', voice, '-s', String(speed), '-p', String(pitch), text], {
      maxBuffer: 64 << 20,
    });
    const { rate, samples } = readWav(wav);
    parts.push(resample(samples, rate, SAMPLE_RATE), silence());
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const clip = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    clip.set(p, at);
    at += p.length;
  }
  const gain = 0.5 + next();
  const noise = 0.002 + 0.008 * next();
  for (let i = 0; i < total; i++) clip[i] = (clip[i] as number) * gain + (next() * 2 - 1) * noise;
  return clip;
}

/** A silero VAD model's streaming state: one (v5: `state`) or two (legacy: `h`, `c`) tensors. */
export interface VadStream {
  window: number;
  stateNames: string[];
  stateOutputs: string[];
  stateDims: number[];
}

export function vadStream(session: ort.InferenceSession): VadStream {
  return session.inputNames.includes('state')
    ? { window: 512, stateNames: ['state'], stateOutputs: ['stateN'], stateDims: [2, 1, 128] }
    : { window: 512, stateNames: ['h', 'c'], stateOutputs: ['hn', 'cn'], stateDims: [2, 1, 64] };
}

export type Feeds = Record<string, ort.Tensor>;

/**
 * Runs a clip through a VAD session window by window, carrying its own state, as a streaming
 * application does. Returns each window's feeds (with the state that session had) and the speech
 * probability it gave.
 */
export async function streamVad(
  session: ort.InferenceSession,
  clip: Float32Array,
): Promise<{ feeds: Feeds[]; probs: number[] }> {
  const s = vadStream(session);
  const size = s.stateDims.reduce((a, b) => a * b, 1);
  let state = s.stateNames.map(() => new Float32Array(size));
  const feeds: Feeds[] = [];
  const probs: number[] = [];
  for (let at = 0; at + s.window <= clip.length; at += s.window) {
    const f: Feeds = {
      input: new ort.Tensor('float32', clip.slice(at, at + s.window), [1, s.window]),
      sr: new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []),
    };
    s.stateNames.forEach((n, k) => (f[n] = new ort.Tensor('float32', state[k] as Float32Array, s.stateDims)));
    const out = await session.run(f);
    feeds.push(f);
    probs.push((out['output']?.data as Float32Array)[0] as number);
    state = s.stateOutputs.map((n) => Float32Array.from(out[n]?.data as Float32Array));
  }
  return { feeds, probs };
}

// ---- .npz (numpy's zip of .npy files), stored uncompressed ----------------------------------------

function npy(t: ort.Tensor): Buffer {
  const descr = t.type === 'float32' ? '<f4' : t.type === 'int64' ? '<i8' : null;
  if (!descr) throw new Error(`npz writer: ${t.type} is not written`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = t.data as Float32Array | BigInt64Array;
  return Buffer.concat([
    head,
    Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}

/** Writes feeds as an .npz (input name → array), ModelOpt's calibration layout. */
export function writeNpz(file: string, feeds: Feeds): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(feeds)) {
    const body = npy(t);
    const fname = Buffer.from(`${name}.npy`);
    const crc = zlib.crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(body.length, 24);
    dir.writeUInt16LE(fname.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, fname, body);
    central.push(dir, fname);
    offset += local.length + fname.length + body.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([...locals, ...central, end]));
  fs.renameSync(tmp, file);
}

/**
 * Calibration windows for a VAD: clips `first`..`first+count-1` streamed through the FP32 model,
 * every `stride`-th window written as an .npz with the state the model had there. Returns the files.
 */
export async function writeVadWindows(modelPath: string, dir: string, clips: number[], stride = 4): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 });
  const files: string[] = [];
  try {
    for (const c of clips) {
      const { feeds } = await streamVad(session, speechClip(c));
      for (let k = 0; k < feeds.length; k += stride) {
        const file = path.join(dir, `clip${c}-w${k}.npz`);
        writeNpz(file, feeds[k] as Feeds);
        files.push(file);
      }
    }
  } finally {
    await session.release();
  }
  return files;
}
