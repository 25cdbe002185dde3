/**
 * Names that tell variants apart: two INT8 variants calibrated on different data (even files of the
 * same names, as browser uploads of two folders are) get different names, which the comparison
 * uses too; and a user can rename a variant through the API — display metadata: its id and its file
 * stay as they were, and the name sticks when the same recipe is made again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { variantPath } from '../../electron/platform/paths';
import { writeTextLines } from '../builders/text-images';
import { hostClient, suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = suiteTempDir('kiln-names-');
const source = { kind: 'path', path: CLS } as const;
const shapes = { x: [1, 3, 48, 192] };

const host = hostClient();

/** Each file in a folder of its own, as browser mode keeps uploads: only the file names are the user's. */
function asUploads(files: string[], under: string): string[] {
  return files.map((f, i) => {
    const dir = path.join(tmp, under, `${i}`.padStart(32, '0'));
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(f, path.join(dir, path.basename(f)));
    return path.join(dir, path.basename(f));
  });
}

const int8 = (files: string[]) => ({
  precision: 'int8' as const,
  shapes,
  accuracyCheck: false,
  calibrationFiles: files.map((p) => ({ kind: 'path' as const, path: p })),
});

describe('variant names', () => {
  it('two INT8 variants calibrated on different data get different names, here and in a comparison', async () => {
    const a = await writeTextLines(path.join(tmp, 'calib-a'), 4, { width: 192, height: 48, seed: 1 });
    const b = await writeTextLines(path.join(tmp, 'calib-b'), 4, { width: 192, height: 48, seed: 2 });
    // Folders, as the CLI's --calib gives them: the folder's name and how many files it holds.
    const fromA = await host.client.call('variant.make', { source, recipe: int8([path.join(tmp, 'calib-a')]) });
    const fromB = await host.client.call('variant.make', { source, recipe: int8([path.join(tmp, 'calib-b')]) });
    expect(fromA.name).toMatch(
      /^ch_ppocr_mobile_v2\.0_cls_infer\.int8-trt-mse-unchecked\.calib-a-4\.[0-9a-f]{6}\.onnx$/,
    );
    expect(fromB.name).toMatch(
      /^ch_ppocr_mobile_v2\.0_cls_infer\.int8-trt-mse-unchecked\.calib-b-4\.[0-9a-f]{6}\.onnx$/,
    );
    // Files of the same names in folders of their own (browser uploads): told apart by their content.
    const upA = await host.client.call('variant.make', { source, recipe: int8(asUploads(a, 'up-a')) });
    const upB = await host.client.call('variant.make', { source, recipe: int8(asUploads(b, 'up-b')) });
    expect(upA.name).toMatch(/\.int8-trt-mse-unchecked\.line-0000\+3\.[0-9a-f]{6}\.onnx$/);
    expect(upB.name).not.toBe(upA.name);
    // The same data uploaded again is named the same (the content, not the upload, decides).
    const again = await host.client.call('variant.make', { source, recipe: int8(asUploads(a, 'up-a-again')) });
    expect(again.name).toBe(upA.name);
    // Seeded random calibration says so, with how many samples.
    const seeded = await host.client.call('variant.make', {
      source,
      recipe: { precision: 'int8', shapes, samples: 4, accuracyCheck: false },
    });
    expect(seeded.name).toBe('ch_ppocr_mobile_v2.0_cls_infer.int8-trt-mse-unchecked.random4.onnx');
    // A comparison names each variant by its own name.
    const c = await host.client.call('model.compare', {
      source,
      variants: [upA.id, upB.id],
      samples: 2,
      shapes,
      layerwise: false,
    });
    expect(c.variants.map((v) => v.name)).toEqual([upA.name, upB.name]);
  });

  it('a variant can be renamed: display metadata, the id and the file stay; bad names are refused', async () => {
    const made = await host.client.call('variant.make', {
      source,
      recipe: { precision: 'fp16', shapes, calibrationSamples: 0 },
    });
    const file = variantPath(made.id);
    const before = fs.statSync(file);
    const renamed = await host.client.call('variant.rename', { variantId: made.id, name: '  FP16 for the edge box ' });
    expect(renamed).toEqual({ id: made.id, name: 'FP16 for the edge box' });
    const after = fs.statSync(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    // Made again (the same recipe, the same id): the user's name stays.
    const remade = await host.client.call('variant.make', {
      source,
      recipe: { precision: 'fp16', shapes, calibrationSamples: 0 },
    });
    expect([remade.id, remade.name]).toEqual([made.id, 'FP16 for the edge box']);
    // Comparisons and profiles of it use it.
    const c = await host.client.call('model.compare', {
      source,
      variants: [made.id],
      samples: 1,
      shapes,
      layerwise: false,
    });
    expect(c.variants[0]!.name).toBe('FP16 for the edge box');

    await expect(host.client.call('variant.rename', { variantId: made.id, name: '   ' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(host.client.call('variant.rename', { variantId: made.id, name: 'a/b' })).rejects.toThrow(/name.*\//);
    await expect(
      host.client.call('variant.rename', { variantId: `${made.id.slice(0, 17)}${'0'.repeat(16)}`, name: 'x' }),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
