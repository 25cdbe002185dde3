/** Numbers as people read them: bytes, counts, dims, data types. */
import type { Dim } from '../../../electron/shared/api/model-summary';

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function count(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n.toLocaleString('en-US');
}

export function dimText(d: Dim): string {
  return d === null ? '?' : String(d);
}

export function ago(t: number, now = Date.now()): string {
  const s = Math.round((now - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** A data type as deployment engineers write it: float16 → FP16, bfloat16 → BF16, int8 → INT8. */
export function dtypeLabel(dtype: string): string {
  if (dtype === 'bfloat16') return 'BF16';
  const float = /^float(\d+)$/.exec(dtype);
  return float ? `FP${float[1]}` : dtype.toUpperCase();
}
