/**
 * Reads a JSON file TensorRT or trtexec wrote (layer information, profile or times) without being
 * told which: tells the kind from the content and hands it to the reader for that kind. The readers
 * import as much as they can and say what they skipped in `warnings`; only text that is not JSON at
 * all (or is empty, or JSON of another kind) throws a KilnError naming the file.
 */
import { KilnError } from '../../../shared/api/errors';
import { looksLikeSingleLayer, parseLayerInfo } from './layer-info';
import { readJsonText } from './lenient-json';
import { parseProfile } from './profile';
import { describeJson, isRecord } from './records';
import { parseTimes } from './times';
import type { EngineJson } from './types';

function hasAnyKey(v: unknown, keys: readonly string[]): boolean {
  return isRecord(v) && keys.some((k) => k in v);
}

/** Which export a parsed JSON value is, or undefined. */
export function detectEngineJsonKind(value: unknown): EngineJson['kind'] | undefined {
  if (isRecord(value)) {
    if ('Layers' in value || 'Bindings' in value || 'I/O Tensors' in value) return 'layer-info';
    if (looksLikeSingleLayer(value)) return 'layer-info';
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const sample = value.slice(0, 8);
  const timesKeys = ['latencyMs', 'computeMs', 'startEnqMs', 'startComputeMs', 'h2dMs'];
  const profileKeys = ['timeMs', 'averageMs', 'medianMs', 'percentage'];
  if (sample.some((v) => hasAnyKey(v, timesKeys))) return 'times';
  if (sample.some((v) => hasAnyKey(v, profileKeys))) return 'profile';
  const first: unknown = sample[0];
  if (isRecord(first) && 'count' in first) return 'profile';
  return undefined;
}

/**
 * Reads a JSON file TensorRT or trtexec wrote (layer information, profile or times), telling the
 * kind from its content. Throws KilnError naming the file when the text is empty, not JSON, or JSON
 * of another kind; everything short of that imports with warnings.
 */
export function parseEngineJsonText(text: string, fileName: string): EngineJson {
  const { value, notes } = readJsonText(text, fileName);
  const kind = detectEngineJsonKind(value);
  if (kind === 'layer-info') return parseLayerInfo(value, fileName, notes);
  if (kind === 'profile') return parseProfile(value, fileName, notes);
  if (kind === 'times') return parseTimes(value, fileName, notes);
  const what = describeJson(value);
  throw new KilnError(
    'UNSUPPORTED',
    `${fileName} is JSON (${what}) but not TensorRT layer information, a trtexec profile or a trtexec times export${
      notes.truncated ? '; it is also truncated' : ''
    }`,
    { file: fileName, details: { found: what } },
  );
}
