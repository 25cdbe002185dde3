/**
 * The grammar of TensorRT layer names, which encode fusions: "Conv_0 + Relu_1" (vertical),
 * "Conv_1 || Conv_2" (horizontal), "PWN(PWN(Sigmoid_3), Mul_4)" (point-wise),
 * "{ForeignNode[first...last]}" (a Myelin subgraph, named by its first and last node only),
 * "Reformatting CopyNode for Input Tensor 0 to <layer>" (a format conversion TensorRT inserted), and
 * " [profile N]" for the copies of every layer in optimization profiles after the first. Since 8.6 a
 * layer may carry `Metadata` with "[ONNX Layer: name]" entries separated by \u001f or \u001e; those
 * name the ONNX nodes exactly and win over the layer name.
 */
import type { ParsedLayerName } from './types';

const REFORMAT_RE = /^Reformatting CopyNode for (Input|Output) Tensor (\d+) to ([\s\S]+)$/;
const PROFILE_RE = /\s*\[profile (\d+)\]/g;
const ONNX_LAYER_RE = /\[ONNX Layer: ([\s\S]*?)\](?=\s*(?:\[ONNX Layer: |$))/g;

/** ONNX node names in a layer's Metadata ("[ONNX Layer: a]\u001f[ONNX Layer: b]"), in order, no duplicates. */
export function parseMetadata(metadata: string | undefined): string[] {
  if (!metadata) return [];
  const out: string[] = [];
  // Entries are separated by \u001f (unit separator) or \u001e (record separator), or newlines.
  for (const chunk of metadata
    .replaceAll('\u001e', '\n')
    .replaceAll('\u001f', '\n')
    .split(/[\r\n]+/)) {
    for (const m of chunk.trim().matchAll(ONNX_LAYER_RE)) {
      const name = (m[1] ?? '').trim();
      if (name && !out.includes(name)) out.push(name);
    }
  }
  return out;
}

/**
 * Splits `s` at any of `seps` outside brackets; null when the brackets do not balance (a name
 * with a stray bracket), so the caller can fall back to a plain split.
 */
function splitTopLevel(s: string, seps: readonly string[]): string[] | null {
  const parts: string[] = [];
  // Only a character that starts a separator is worth a look (1,000-layer engines parse in the diff's budget).
  const starts = new Set(seps.map((p) => p[0]));
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth < 0) return null;
    } else if (depth === 0 && starts.has(c)) {
      const sep = seps.find((p) => s.startsWith(p, i));
      if (sep !== undefined) {
        parts.push(s.slice(start, i));
        i += sep.length - 1;
        start = i + 1;
      }
    }
  }
  if (depth !== 0) return null;
  parts.push(s.slice(start));
  return parts;
}

const FUSION_SEPS = [' + ', ' || '];

function parseExpression(expr: string, out: ParsedLayerName, depth: number): void {
  if (depth > 64) {
    out.problems.push('layer name nests too deeply; the rest is kept as one name');
    out.names.push(expr.trim());
    return;
  }
  const parts = splitTopLevel(expr, FUSION_SEPS) ?? expr.split(/ \+ | \|\| /);
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    if (part.startsWith('PWN(') && part.endsWith(')')) {
      out.pointwise = true;
      const inner = part.slice(4, -1);
      const args = splitTopLevel(inner, [', ']) ?? inner.split(', ');
      for (const arg of args) parseExpression(arg, out, depth + 1);
    } else if (part.startsWith('{ForeignNode[') && part.endsWith(']}')) {
      out.foreign = true;
      const inner = part.slice('{ForeignNode['.length, -2);
      const dots = inner.indexOf('...');
      if (dots < 0) {
        if (inner.trim()) {
          out.names.push(inner.trim());
          out.ranges.push({ first: inner.trim(), last: inner.trim() });
        }
        continue;
      }
      const first = inner.slice(0, dots).trim();
      const last = inner.slice(dots + 3).trim();
      if (first && last) {
        out.ranges.push({ first, last });
        out.names.push(first, last);
      } else {
        out.problems.push(`ForeignNode "${inner}" lacks a ${first ? 'last' : 'first'} name`);
        if (first) out.names.push(first);
        if (last) out.names.push(last);
      }
    } else {
      out.names.push(part);
    }
  }
}

/** What a TensorRT layer name says about where the layer came from. */
export function parseLayerName(layerName: string): ParsedLayerName {
  const out: ParsedLayerName = { names: [], ranges: [], foreign: false, pointwise: false, problems: [] };
  let name = layerName;
  if (name.includes('[profile ')) {
    for (const m of name.matchAll(PROFILE_RE)) out.profile = Number(m[1]);
    name = name.replace(PROFILE_RE, '');
  }
  const reformat = REFORMAT_RE.exec(name.trim());
  if (reformat) {
    const target = (reformat[3] ?? '').trim();
    out.reformat = {
      direction: reformat[1] === 'Input' ? 'input' : 'output',
      tensorIndex: Number(reformat[2]),
      target,
    };
    const inner = parseLayerName(target);
    out.names = inner.names;
    out.ranges = inner.ranges;
    out.problems = inner.problems;
    return out;
  }
  parseExpression(name, out, 0);
  out.names = [...new Set(out.names)];
  return out;
}
