/**
 * Input files as the user names them (files or folders, for calibration or for evaluation): folders
 * expanded, arrays told from images, and the result described as input data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImagePreprocess } from '../../shared/api/variants';
import { KilnError } from '../../shared/api/errors';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif']);
const ARRAY_EXTENSIONS = new Set(['.npy', '.npz']);

export type InputFiles = { kind: 'npz'; paths: string[] } | { kind: 'images'; paths: string[] };

/**
 * Expands folders (their images or arrays, sorted by name, not recursive) and tells arrays from
 * images. One kind per recipe: a mix is refused, as is anything that is neither.
 */
export function classifyInputFiles(paths: readonly string[]): InputFiles {
  const files: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new KilnError('FILE_NOT_FOUND', `calibration data ${path.basename(p)} does not exist`, {
        file: path.basename(p),
      });
    }
    if (st.isDirectory()) {
      const inside = fs
        .readdirSync(p)
        .filter((f) => {
          const ext = path.extname(f).toLowerCase();
          return IMAGE_EXTENSIONS.has(ext) || ARRAY_EXTENSIONS.has(ext);
        })
        .sort()
        .map((f) => path.join(p, f));
      if (inside.length === 0)
        throw new KilnError(
          'INVALID_ARGUMENT',
          `calibration folder ${path.basename(p)} holds no images (${[...IMAGE_EXTENSIONS].join(' ')}) and no .npy/.npz files`,
          { file: path.basename(p) },
        );
      files.push(...inside);
    } else files.push(p);
  }
  const kinds = new Set<'npz' | 'images'>();
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    if (ARRAY_EXTENSIONS.has(ext)) kinds.add('npz');
    else if (IMAGE_EXTENSIONS.has(ext)) kinds.add('images');
    else
      throw new KilnError(
        'INVALID_ARGUMENT',
        `calibration file ${path.basename(f)} is neither .npy/.npz nor an image (${[...IMAGE_EXTENSIONS].join(' ')})`,
        { file: path.basename(f) },
      );
  }
  if (kinds.size > 1)
    throw new KilnError(
      'INVALID_ARGUMENT',
      'calibration data mixes images and .npy/.npz files: give one kind (images are preprocessed, arrays are fed as they are)',
    );
  return { kind: kinds.has('images') ? 'images' : 'npz', paths: files };
}

/** Calibration or evaluation files as data: images carry their preprocessing and the input shapes. */
export function filesAsData(
  paths: readonly string[],
  preprocess: ImagePreprocess,
  shapes: Record<string, number[]>,
):
  | { kind: 'npz'; paths: string[] }
  | { kind: 'images'; paths: string[]; preprocess: ImagePreprocess; shapes: Record<string, number[]> } {
  const files = classifyInputFiles(paths);
  return files.kind === 'images' ? { ...files, preprocess, shapes } : files;
}
