/**
 * The versions of one model that edits made, as a list: the model the user opened, then each edit's
 * new version with its parent, the edits asked for and the engine host's report. An edit never
 * overwrites: it adds a version. Pure functions over the list, so the rules (a model opened from
 * outside starts a new list; switching between versions keeps it) are tested without React.
 */
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { Edit, EditReport } from '../../../electron/shared/api/edits';

export interface ModelVersion {
  /** The source as a key ("variant:…", "upload:…", "path:…"). */
  id: string;
  source: ModelSource;
  fileName: string;
  /** The version it was made from; null for the model as opened. */
  parentId: string | null;
  /** What was asked for ("model.fix for TensorRT 10", or the edits' kinds). */
  asked: string;
  edits: Edit[];
  /** The engine host's report; null for the model as opened. */
  report: EditReport | null;
}

export function sourceKey(source: ModelSource): string {
  switch (source.kind) {
    case 'path':
      return `path:${source.path}`;
    case 'upload':
      return `upload:${source.uploadId}`;
    case 'variant':
      return `variant:${source.variantId}`;
  }
}

/**
 * The list once `source` is the open model: unchanged when it is one of its versions; the list
 * before that when `source` is one of its versions (an open that failed put the last model back);
 * else a new list holding only it (the user opened another model).
 */
export function trackOpen(
  list: readonly ModelVersion[],
  source: ModelSource,
  fileName: string,
  before: readonly ModelVersion[] = [],
): ModelVersion[] {
  const id = sourceKey(source);
  if (list.some((v) => v.id === id)) return [...list];
  if (before.some((v) => v.id === id)) return [...before];
  return [{ id, source, fileName, parentId: null, asked: 'opened', edits: [], report: null }];
}

/** The list with the version an edit of `parentId` made; an id already listed is replaced in place. */
export function addVersion(
  list: readonly ModelVersion[],
  parentId: string,
  asked: string,
  edits: Edit[],
  report: EditReport,
): ModelVersion[] {
  if (!list.some((v) => v.id === parentId)) throw new Error(`no version ${parentId} to edit`);
  const version: ModelVersion = {
    id: sourceKey(report.source),
    source: report.source,
    fileName: report.fileName,
    parentId,
    asked,
    edits,
    report,
  };
  const at = list.findIndex((v) => v.id === version.id);
  if (at >= 0) return list.map((v, i) => (i === at ? version : v));
  return [...list, version];
}

/** The chain from the model as opened to `id`, oldest first (empty when `id` is not listed). */
export function lineage(list: readonly ModelVersion[], id: string): ModelVersion[] {
  const byId = new Map(list.map((v) => [v.id, v]));
  const chain: ModelVersion[] = [];
  for (let v = byId.get(id); v && chain.length <= list.length; v = v.parentId ? byId.get(v.parentId) : undefined)
    chain.unshift(v);
  return chain;
}

/** How deep a version sits below the model as opened (0 for it), for indenting the list. */
export function depth(list: readonly ModelVersion[], id: string): number {
  return Math.max(0, lineage(list, id).length - 1);
}

/** "fold, shapes" or the fix asked for: a version's edits in a few words. */
export function describeAsked(edits: readonly Edit[]): string {
  return edits
    .map((e) => {
      switch (e.kind) {
        case 'shapes':
          return `shapes ${Object.entries(e.shapes)
            .map(([k, d]) => `${k}:${d.join('x')}`)
            .join(' ')}`;
        case 'opset':
          return `opset ${e.version}`;
        case 'remove':
          return `remove ${e.nodes.join(', ')}`;
        case 'extract':
          return `extract ${e.inputs.join(',')} → ${e.outputs.join(',')}`;
        case 'addOutputs':
          return `outputs + ${e.tensors.join(', ')}`;
        case 'rename':
          return `rename ${e.what} ${e.from} → ${e.to}`;
        case 'plugin':
          return `plugin ${e.domain}::${e.op} for ${e.nodes.join(', ')}`;
        case 'int64ToInt32':
          return 'INT64 → INT32';
        case 'dynamicBatch':
          return `dynamic batch "${e.name}"`;
        default:
          return e.kind;
      }
    })
    .join(' · ');
}
