/**
 * Stage timings for benchmarks: with KILN_TRACE=1 in its environment, a process writes one JSON
 * line per event to stderr (`{"kilnTrace":"model.open","at":<epoch ms>,...}`). The graph benchmark
 * starts `serve` this way to split opening a model into stages across processes (epoch
 * milliseconds compare across processes of one machine). Off, it costs one check.
 */
const enabled = process.env.KILN_TRACE === '1';

export function trace(event: string, fields: Record<string, number | string | boolean> = {}): void {
  if (!enabled) return;
  process.stderr.write(`${JSON.stringify({ kilnTrace: event, at: Date.now(), pid: process.pid, ...fields })}\n`);
}
