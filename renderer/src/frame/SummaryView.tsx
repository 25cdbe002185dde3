/** The model at a glance: what goes in and out, what it is made of, how big it is. */
import type { ModelSummary, ValueInfo } from '../../../electron/shared/api/model-summary';
import { DynamicBatchButton } from '../edit/DynamicBatchButton';
import { bytes, count, dimText, dtypeLabel } from './format';

/** Types that hold shapes, indices and flags rather than weights: named after the weights, never as "mixed". */
const INDEX_TYPES = new Set(['int64', 'int32', 'bool', 'string']);

/** "FP16", or "mixed: FP16 1.2 M in 120 tensors · FP32 3.4 k in 8 tensors", then index constants, muted. */
function Weights({ weights }: { weights: ModelSummary['weights'] }) {
  const values = weights.filter((w) => !INDEX_TYPES.has(w.dtype));
  const index = weights.filter((w) => INDEX_TYPES.has(w.dtype));
  const part = (w: ModelSummary['weights'][number]) =>
    `${dtypeLabel(w.dtype)} ${count(w.elements)} in ${w.tensors} tensor${w.tensors === 1 ? '' : 's'}`;
  const lead =
    values.length === 0
      ? 'none'
      : values.length === 1
        ? `${dtypeLabel(values[0]!.dtype)}`
        : `mixed: ${values.map(part).join(' · ')}`;
  const rest = [
    ...(values.length === 1 ? [`${count(values[0]!.elements)} in ${values[0]!.tensors} tensors`] : []),
    ...index.map(part),
  ];
  return (
    <dd data-testid="summary-weights" title={weights.map((w) => `${part(w)}, ${bytes(w.bytes)}`).join('\n')}>
      {lead}
      {rest.length > 0 && <span className="muted"> · {rest.join(' · ')}</span>}
    </dd>
  );
}

function Tensor({ v }: { v: ValueInfo }) {
  return (
    <li className="tensor">
      <span className="tensor-name" title={v.name}>
        {v.name}
      </span>
      <span className="tensor-type">
        {v.dtype}
        {v.dims === null ? (
          <span className="dim sym"> rank ?</span>
        ) : (
          <>
            {' ['}
            {v.dims.map((d, i) => (
              <span key={i}>
                {i > 0 && ', '}
                <span
                  className={typeof d === 'number' ? 'dim' : 'dim sym'}
                  title={typeof d === 'number' ? undefined : 'symbolic dimension'}
                >
                  {dimText(d)}
                </span>
              </span>
            ))}
            {']'}
          </>
        )}
      </span>
    </li>
  );
}

export function SummaryView({ summary }: { summary: ModelSummary }) {
  const ops = Object.entries(summary.opHistogram);
  const max = ops.reduce((m, [, n]) => Math.max(m, n), 1);
  const producer = [summary.producer.name, summary.producer.version].filter(Boolean).join(' ');
  return (
    <div className="summary" data-testid="summary">
      <h2 className="summary-title" title={summary.fileName}>
        {summary.fileName}
      </h2>
      <dl className="facts">
        <dt>Graph</dt>
        <dd>{summary.graphName || '(unnamed)'}</dd>
        {producer && (
          <>
            <dt>Producer</dt>
            <dd>{producer}</dd>
          </>
        )}
        <dt>IR</dt>
        <dd data-testid="ir-version">{summary.irVersion}</dd>
        <dt>Opsets</dt>
        <dd data-testid="opsets">{summary.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}</dd>
        <dt>Nodes</dt>
        <dd data-testid="node-count">
          {summary.nodes.toLocaleString('en-US')}
          {summary.subgraphs > 0 && <span className="muted"> · {summary.subgraphs} subgraphs</span>}
          {summary.functions > 0 && <span className="muted"> · {summary.functions} functions</span>}
        </dd>
        <dt>Parameters</dt>
        <dd>
          {count(summary.parameterCount)} <span className="muted">· {bytes(summary.parameterBytes)}</span>
          {summary.externalDataBytes > 0 && (
            <span className="muted"> · {bytes(summary.externalDataBytes)} external</span>
          )}
        </dd>
        <dt>Weights</dt>
        <Weights weights={summary.weights} />
        {summary.flops > 0 && (
          <>
            <dt>FLOPs</dt>
            <dd data-testid="summary-flops">
              {count(summary.flops)}
              {summary.statsExact === false && (
                <span className="muted" title="Dynamic dims are counted as 1 until input shapes are chosen">
                  {' '}
                  · per unit of each dynamic dim
                </span>
              )}
            </dd>
          </>
        )}
        <dt>File</dt>
        <dd>
          {bytes(summary.fileBytes)}{' '}
          <span className="muted mono" title={`sha256 ${summary.sha256}`}>
            · {summary.sha256.slice(0, 12)}
          </span>
        </dd>
      </dl>

      {summary.warnings.length > 0 && (
        <ul className="warnings">
          {summary.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}

      <h3>Inputs</h3>
      <ul className="tensors" data-testid="inputs">
        {summary.inputs.map((v) => (
          <Tensor key={v.name} v={v} />
        ))}
      </ul>
      <DynamicBatchButton summary={summary} />
      <h3>Outputs</h3>
      <ul className="tensors" data-testid="outputs">
        {summary.outputs.map((v) => (
          <Tensor key={v.name} v={v} />
        ))}
      </ul>

      <h3>
        Operators <span className="muted">· {ops.length} types</span>
      </h3>
      <table className="ops" data-testid="op-histogram">
        <tbody>
          {ops.map(([op, n]) => (
            <tr key={op}>
              <td className="op-name" title={op}>
                {op}
              </td>
              <td className="op-count">{n}</td>
              <td className="op-bar">
                <span style={{ width: `${(100 * n) / max}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {Object.keys(summary.metadata).length > 0 && (
        <>
          <h3>Metadata</h3>
          <dl className="facts">
            {Object.entries(summary.metadata).map(([k, v]) => (
              <div key={k} className="fact-row">
                <dt>{k}</dt>
                <dd title={v}>{v}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}
