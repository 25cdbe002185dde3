/**
 * `kiln diff` as text: the verdict first, then what changed — model fields, inputs and outputs,
 * nodes (+ added, - removed, ~ changed with each difference under it, = renamed) and weights —
 * each list cut at a screenful with a count of the rest (the JSON lists every change; nodes whose
 * only change is a new name it counts and lists the first hundred of: diffJson).
 */
import type { IoChange, ModelDiff } from '../shared/api/diff';

const MAX_ROWS = 40;
/** Renamed-only nodes `kiln diff --json` lists without --all-renamed (the rest are counted). */
export const JSON_RENAMED = 100;

/**
 * The diff as `kiln diff --json` writes it. A node whose only change is its name changes nothing
 * the model computes, and a re-export that renumbers its nodes renames tens of thousands: listed
 * in full they bury the changes that matter. So the JSON lists the first JSON_RENAMED of them,
 * `nodes.renamedCount` counts them all and a note says how to list every one (`allRenamed`).
 * The app's view gets the full list (it pairs the two graphs through it).
 */
export function diffJson(d: ModelDiff, allRenamed: boolean): ModelDiff & { nodes: { renamedCount: number } } {
  const count = d.nodes.renamed.length;
  if (allRenamed || count <= JSON_RENAMED) return { ...d, nodes: { ...d.nodes, renamedCount: count } };
  return {
    ...d,
    nodes: { ...d.nodes, renamed: d.nodes.renamed.slice(0, JSON_RENAMED), renamedCount: count },
    notes: [
      ...d.notes,
      `${(count - JSON_RENAMED).toLocaleString('en-US')} more renamed-only nodes are counted in nodes.renamedCount, not listed (--all-renamed lists them).`,
    ],
  };
}

function capped<T>(rows: T[], line: (x: T) => string[], what: string, all = '--json lists all'): string[] {
  const out = rows.slice(0, MAX_ROWS).flatMap(line);
  if (rows.length > MAX_ROWS) out.push(`  … ${rows.length - MAX_ROWS} more ${what} (${all})`);
  return out;
}

const orNone = (s: string | null) => s ?? '(none)';
const dims = (d: (number | string | null)[] | null) => (d === null ? '' : `[${d.map((x) => x ?? '?').join(',')}]`);
const io = (v: IoChange['a']) => (v ? `${v.dtype}${dims(v.dims)}` : '(none)');
const tensorType = (t: { dtype: string; dims: number[] } | null) => (t ? `${t.dtype}[${t.dims.join(',')}]` : '');
const num = (x: number) =>
  x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toPrecision(4);
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function formatDiff(d: ModelDiff): string {
  const lines: string[] = [`${d.a.file} (${d.a.nodes} nodes) → ${d.b.file} (${d.b.nodes} nodes)`, d.verdict];
  if (d.header.length) {
    lines.push('', 'Model:');
    for (const h of d.header) lines.push(`  ${h.field}: ${orNone(h.a)} → ${orNone(h.b)}`);
  }
  const ios = [...d.inputs.map((x) => ['input', x] as const), ...d.outputs.map((x) => ['output', x] as const)];
  if (ios.length) {
    lines.push('', 'Inputs and outputs:');
    for (const [kind, x] of ios) lines.push(`  ${kind} ${x.name} ${x.change}: ${io(x.a)} → ${io(x.b)}`);
  }
  const n = d.nodes;
  if (n.added.length + n.removed.length + n.changed.length + n.renamed.length > 0) {
    lines.push(
      '',
      `Nodes (${d.match.byName} paired by name, ${d.match.byStructure} by structure; ${pct(d.match.nameShare)} of names in both):`,
    );
    lines.push(...capped(n.added, (x) => [`  + ${x.op} ${x.name || `#${x.node}`}`], 'added'));
    lines.push(...capped(n.removed, (x) => [`  - ${x.op} ${x.name || `#${x.node}`}`], 'removed'));
    lines.push(
      ...capped(
        n.changed,
        (c) => [
          `  ~ ${c.a.op} ${c.a.name || `#${c.a.node}`}${c.b.name !== c.a.name ? ` (now ${c.b.name || `#${c.b.node}`})` : ''}`,
          ...c.changes.map(
            (f) =>
              `      ${f.what === 'input' || f.what === 'attribute' ? f.name : f.what}: ${orNone(f.a)} → ${orNone(f.b)}`,
          ),
        ],
        'changed',
      ),
    );
    lines.push(
      ...capped(
        n.renamed,
        (r) => [`  = ${r.a.op} ${r.a.name || `#${r.a.node}`} renamed ${r.b.name || `#${r.b.node}`}`],
        'renamed',
        '--json --all-renamed lists all',
      ),
    );
  }
  if (d.initializers.length) {
    lines.push('', 'Initializers:');
    const mark = { added: '+', removed: '-', changed: '~', renamed: '=' } as const;
    lines.push(
      ...capped(
        d.initializers,
        (i) => {
          const type =
            i.change === 'changed' && tensorType(i.a) !== tensorType(i.b)
              ? `${tensorType(i.a)} → ${tensorType(i.b)}`
              : tensorType(i.a ?? i.b);
          const delta = [
            i.maxAbsDiff !== null && i.change === 'changed' ? `max |Δ| ${num(i.maxAbsDiff)}` : '',
            i.cosine !== null && i.change === 'changed' ? `cosine ${i.cosine.toFixed(9)}` : '',
          ].filter(Boolean);
          return [
            `  ${mark[i.change]} ${i.name}${i.nameB ? ` (now ${i.nameB})` : ''} ${type}${delta.length ? `: ${delta.join(', ')}` : ''}`,
          ];
        },
        'initializers',
      ),
    );
  }
  for (const note of d.notes) lines.push('', `Note: ${note}`);
  return `${lines.join('\n')}\n`;
}
