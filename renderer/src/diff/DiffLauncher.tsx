/**
 * "Diff against…": the open model against one of its variants (a precision variant, or an edited
 * version: both are variant sources) or against another file, shown side by side (DiffView).
 */
import { useRef } from 'react';
import { fileSource } from '../frame/open';
import { useEdits } from '../edit/store';
import { lineage, sourceKey } from '../edit/versions';
import { useVariants } from '../precision/store';
import { useApp } from '../state/app';
import { useDiff } from './store';
import './diff.css';

const ANOTHER = '__file__';

export function DiffLauncher() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const modelName = useApp((s) => s.modelName);
  const variants = useVariants((s) => s.variants);
  // The other versions of this model that edits made (its parent, its children): the same view.
  const allVersions = useEdits((s) => s.versions);
  const start = useDiff((s) => s.start);
  const fileRef = useRef<HTMLInputElement>(null);
  if (!client || !source) return null;
  const a = { source, name: summary?.fileName ?? modelName ?? 'model' };
  const openKey = sourceKey(source);
  const versions = allVersions.filter((v) => v.id !== openKey);

  const choose = (value: string) => {
    if (value === ANOTHER) return fileRef.current?.click();
    const version = versions.find((x) => `version:${x.id}` === value);
    if (version) {
      const other = { source: version.source, name: version.fileName };
      // An ancestor goes on the left (before → after), as a variant's source does.
      const ancestor = lineage(allVersions, openKey).some((x) => x.id === version.id);
      return void (ancestor ? start(client, other, a) : start(client, a, other));
    }
    const v = variants.find((x) => x.id === value);
    if (v) void start(client, a, { source: { kind: 'variant', variantId: v.id }, name: v.name });
  };

  return (
    <div className="diff-launch">
      <label>
        <select
          aria-label="Diff against"
          value=""
          onChange={(e) => {
            choose(e.target.value);
            e.target.value = '';
          }}
        >
          <option value="" disabled>
            Diff against…
          </option>
          {versions.map((v) => (
            <option key={v.id} value={`version:${v.id}`}>
              {v.parentId === null ? `${v.fileName} (as opened)` : v.fileName}
            </option>
          ))}
          {variants.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
          <option value={ANOTHER}>Another file…</option>
        </select>
      </label>
      <input
        ref={fileRef}
        type="file"
        accept=".onnx"
        hidden
        data-testid="diff-file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          void fileSource(file).then(
            (b) => start(client, a, { source: b, name: file.name }),
            (err: unknown) => useDiff.setState({ a, b: { source, name: file.name }, error: String(err) }),
          );
        }}
      />
    </div>
  );
}
