/**
 * `kiln compare` through the real bin shim on the zoo's transformer exports, as a new user runs it:
 * the torchvision ViT (whose untrained head outputs all zeros, so PSNR and SNR are infinite, which
 * JSON carries as null) prints every metric, "–" where there is no number, and never crashes; the
 * BERT-shaped encoder compares and profiles on seeded inputs that stay inside its embedding tables.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const ZOO = path.join(ROOT, 'test/fixtures/zoo');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-zoo-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 110_000, variantsDir: path.join(tmp, 'variants') });

describe('kiln compare on the zoo', () => {
  it('vit-tiny, FP16 and INT8: one line per variant, "–" for the PSNR and SNR of identical outputs', () => {
    const r = kiln('compare', path.join(ZOO, 'vit-tiny.onnx'), '--variants', 'fp16,int8', '--samples', '2');
    expect(r.stderr).not.toMatch(/TypeError|toFixed|SIGSEGV/);
    const [judged, ...lines] = r.stdout.trim().split('\n');
    expect(judged).toMatch(/^judged by cosine ≥ 0\.99/);
    expect(lines).toHaveLength(2);
    for (const [k, name] of ['fp16', 'int8'].entries()) {
      expect(lines[k]).toMatch(new RegExp(`^${name} logits: pass  cosine 1\\.000000 \\(worst sample 1\\.000000\\)`));
      expect(lines[k]).toContain('PSNR – dB  SNR – dB  max|err| 0.00e+0');
    }
    expect(r.code).toBe(0);
  });

  it('bert-tiny, FP16: seeded token ids stay inside the embeddings; both outputs judged', () => {
    const shapes = 'input_ids:1x16,attention_mask:1x16,token_type_ids:1x16';
    const r = kiln(
      'compare',
      path.join(ZOO, 'bert-tiny.onnx'),
      '--variants',
      'fp16',
      '--samples',
      '2',
      '--shapes',
      shapes,
    );
    expect(r.stderr).not.toMatch(/out of data bounds|TypeError/);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => /^fp16 (last_hidden_state|pooler_output): /.test(l))).toHaveLength(2);
    for (const l of lines.filter((x) => x.startsWith('fp16 '))) expect(l).toMatch(/cosine (1\.0+|0\.99\d+) /);
  });

  it('bert-tiny profiles on seeded inputs (token types inside their two rows)', () => {
    const shapes = 'input_ids:1x16,attention_mask:1x16,token_type_ids:1x16';
    const r = kiln('profile', path.join(ZOO, 'bert-tiny.onnx'), '--iterations', '3', '--shapes', shapes, '--json');
    expect(r.stderr).not.toMatch(/out of data bounds/);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { iterations: number }).iterations).toBeGreaterThanOrEqual(3);
  });
});
