/**
 * The edit log an edited model carries in its metadata_props (`kiln.edits`): one entry per edit run
 * — the parent's name and sha256, the edits asked for and what each did — appended to the log the
 * parent already carried, so a model edited several times reads back its whole chain.
 */
import type { AppliedEdit, Edit } from '../../shared/api/edits';
import type { ModelProto } from '../onnx/model';

export const EDITS_KEY = 'kiln.edits';

export interface EditLogEntry {
  parent: string;
  parentSha256: string;
  edits: Edit[];
  applied: { kind: string; summary: string }[];
}

/** The log `model` carries (empty for a model Kiln never edited, or a log it cannot read). */
export function editLogOf(model: ModelProto): EditLogEntry[] {
  const raw = model.metadataProps.find((e) => e.key === EDITS_KEY)?.value;
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? (v as EditLogEntry[]) : [];
  } catch {
    return [];
  }
}

/** Appends this run to the log in `model`'s metadata (the model is the edit's own copy). */
export function stampEditLog(
  model: ModelProto,
  parentLog: EditLogEntry[],
  entry: { parent: string; parentSha256: string; edits: readonly Edit[]; applied: readonly AppliedEdit[] },
): void {
  const log: EditLogEntry[] = [
    ...parentLog,
    {
      parent: entry.parent,
      parentSha256: entry.parentSha256,
      edits: [...entry.edits],
      applied: entry.applied.map((a) => ({ kind: a.kind, summary: a.summary })),
    },
  ];
  model.metadataProps = [
    ...model.metadataProps.filter((e) => e.key !== EDITS_KEY),
    { key: EDITS_KEY, value: JSON.stringify(log) },
  ];
}
