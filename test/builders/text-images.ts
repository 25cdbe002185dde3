/**
 * Realistic inputs for the OCR models: images of rendered text (seeded words, sizes, positions,
 * colours), drawn as SVG by sharp with the machine's fonts. Lines for the recognizer and the
 * orientation classifier (half of them upside down), pages of lines for the detector.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { rng } from '../../electron/core/inputs/generate';

const WORDS = (
  'kiln model engine tensor layer batch shape graph node kernel latency throughput precision ' +
  'invoice total amount date order number street city account payment receipt customer ' +
  'the of and to in is for on with as by at from this that quick brown fox jumps over lazy dog ' +
  'Monday March April Hello World OCR TensorRT ONNX Runtime Station Market Coffee Tea Bread'
).split(' ');
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'Liberation Sans', 'Liberation Serif', 'DejaVu Sans Mono'];

function phrase(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const r = next();
    out.push(r < 0.15 ? String(Math.floor(next() * 100000)) : (WORDS[Math.floor(next() * WORDS.length)] as string));
  }
  return out.join(' ');
}

function grey(next: () => number, lo: number, hi: number): string {
  const v = Math.round(lo + next() * (hi - lo));
  return `rgb(${v},${v},${Math.min(255, v + Math.round(next() * 20))})`;
}

function textSvg(
  width: number,
  height: number,
  bg: string,
  lines: { text: string; x: number; y: number; size: number; font: string; fill: string }[],
  rotate180: boolean,
): Buffer {
  const body = lines
    .map(
      (l) =>
        `<text x="${l.x}" y="${l.y}" font-family="${l.font}" font-size="${l.size}" fill="${l.fill}">${l.text}</text>`,
    )
    .join('');
  const g = rotate180 ? `<g transform="rotate(180 ${width / 2} ${height / 2})">${body}</g>` : body;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${bg}"/>${g}</svg>`,
  );
}

/** `count` single-line images width×height; with `flipHalf`, every other one is upside down. */
export async function writeTextLines(
  dir: string,
  count: number,
  opts: { width: number; height: number; seed: number; flipHalf?: boolean },
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const next = rng(opts.seed);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const size = Math.round(opts.height * (0.45 + next() * 0.3));
    const svg = textSvg(
      opts.width,
      opts.height,
      grey(next, 215, 255),
      [
        {
          text: phrase(next, 2 + Math.floor(next() * 4)),
          x: Math.round(2 + next() * 10),
          y: Math.round(opts.height / 2 + size * 0.35),
          size,
          font: FONTS[Math.floor(next() * FONTS.length)] as string,
          fill: grey(next, 0, 70),
        },
      ],
      Boolean(opts.flipHalf) && i % 2 === 1,
    );
    const file = path.join(dir, `line-${String(i).padStart(4, '0')}.png`);
    await sharp(svg).png().toFile(file);
    files.push(file);
  }
  return files;
}

/** `count` page images width×height with a few lines of text each, for a text detector. */
export async function writeTextPages(
  dir: string,
  count: number,
  opts: { width: number; height: number; seed: number },
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const next = rng(opts.seed);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const lines = [];
    let y = 10;
    while (y < opts.height - 10) {
      const size = Math.round(12 + next() * 18);
      y += size + Math.round(next() * 24);
      if (y > opts.height - 4) break;
      lines.push({
        text: phrase(next, 1 + Math.floor(next() * 4)),
        x: Math.round(next() * opts.width * 0.3),
        y,
        size,
        font: FONTS[Math.floor(next() * FONTS.length)] as string,
        fill: grey(next, 0, 90),
      });
    }
    const file = path.join(dir, `page-${String(i).padStart(4, '0')}.png`);
    await sharp(textSvg(opts.width, opts.height, grey(next, 200, 255), lines, false))
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
