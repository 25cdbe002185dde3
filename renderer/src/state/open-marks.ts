/**
 * Where opening a model spends its time, as User Timing marks (`performance.mark`): the graph
 * benchmark (`npm run bench:graph`) reads them to split "file chosen -> graph interactive" into its
 * stages, and the browser's performance panel shows them. Marks cost next to nothing; nothing in
 * the app reads them.
 */
export type OpenMark =
  /** The user chose a file (drop, dialog, sample). */
  | 'chosen'
  /** Browser mode: the upload is on the server. */
  | 'uploaded'
  /** The model summary arrived. */
  | 'summary'
  /** The graph payload arrived (decoded). */
  | 'graph'
  /** The graph view built its model of the payload. */
  | 'model'
  /** The first layout was asked of the worker. */
  | 'layout-sent'
  /** The first layout came back. */
  | 'layout-done'
  /** The first frame is drawn: the graph is interactive. */
  | 'ready';

export const OPEN_MARK_PREFIX = 'kiln:open:';

export function markOpen(stage: OpenMark): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function')
    performance.mark(OPEN_MARK_PREFIX + stage);
}
