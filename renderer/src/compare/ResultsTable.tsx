/**
 * The variant × metric table of a comparison, for the output shown: each variant's verdict with the
 * reason for a fail beside it, the error metrics against FP32, and the first layer past the
 * threshold — one click to it on the graph, or its whole layerwise error painted there. Columns are
 * keyed by variant id: two variants may share a name.
 */
import type { Comparison } from '../../../electron/shared/api/comparison';
import { fmt, metricText } from '../../../electron/shared/compare/report';
import { useGraphStore } from '../graph/store';
import { runColour } from '../profile/charts';
import { layerwiseOverlay } from './overlay';

type Metrics = Comparison['variants'][number]['perOutput'][number];

/** A variant's name with a line break allowed after each dot, dash and plus: names are long and alike. */
const breakable = (name: string) =>
  name.split(/(?<=[._+-])/).flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, part]));
const ROWS: [string, (m: Metrics) => string][] = [
  ['Cosine', (m) => metricText(m.metrics.cosine, (x) => x.toFixed(6))],
  [
    'Worst sample cosine',
    (m) => `${metricText(m.worstSample.cosine, (x) => x.toFixed(6))} (#${m.worstSample.index + 1})`,
  ],
  ['PSNR (dB)', (m) => fmt(m.metrics.psnr)],
  ['SNR (dB)', (m) => fmt(m.metrics.snr)],
  ['Max |err|', (m) => fmt(m.metrics.maxAbs)],
  ['Mean |err|', (m) => fmt(m.metrics.meanAbs)],
  ['Median |err|', (m) => fmt(m.metrics.medianAbs)],
  ['p99 |err|', (m) => fmt(m.metrics.p99Abs)],
  ['Max rel err', (m) => fmt(m.metrics.maxRel)],
  ['L2', (m) => fmt(m.metrics.l2)],
  [
    'Outside atol/rtol',
    (m) => (m.metrics.mismatched === null ? 'not asked' : `${m.metrics.mismatched} / ${m.metrics.count}`),
  ],
  [
    'Top-1 agreement',
    (m) => (m.top1 === null ? '–' : `${(m.top1 * 100).toFixed(1)}%${m.classScores ? '' : ' (not class scores)'}`),
  ],
  ['Top-5 agreement', (m) => (m.top5 === null ? '–' : `${(m.top5 * 100).toFixed(1)}%`)],
];

export function ResultsTable({ result, output }: { result: Comparison; output: number }) {
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const jumpTo = useGraphStore((s) => s.jumpTo);

  const paint = (v: Comparison['variants'][number]) => {
    const model = useGraphStore.getState().model;
    if (!model) return;
    const overlay = layerwiseOverlay(v, model.N);
    if (overlay) setOverlay(overlay);
  };

  return (
    <table className="profile-table compare-table" data-testid="compare-table">
      <thead>
        <tr>
          <th />
          {result.variants.map((v, i) => (
            <th key={v.id} style={{ borderTopColor: runColour(i) }}>
              {breakable(v.name)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Variant verdict</th>
          {result.variants.map((v) => (
            <td key={v.id} className={v.pass ? 'best' : 'bad'}>
              {v.pass ? 'pass' : 'fail'}
              {result.judged.length < result.outputs.length && ` (on ${result.judged.join(', ')})`}
            </td>
          ))}
        </tr>
        <tr>
          <th scope="row">Verdict (this output)</th>
          {result.variants.map((v) => {
            const m = v.perOutput[output];
            return (
              <td key={v.id} className={m?.judged ? (m.pass ? 'best' : 'bad') : undefined}>
                {m ? `${m.pass ? 'pass' : 'fail'}${m.judged ? '' : ', not judged'}` : '–'}
                {m && !m.pass && (
                  <ul className="verdict-reasons" data-testid="verdict-reasons">
                    {m.failed.map((f) => (
                      <li key={f}>{f}</li>
                    ))}
                  </ul>
                )}
              </td>
            );
          })}
        </tr>
        {ROWS.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            {result.variants.map((v) => {
              const m = v.perOutput[output];
              return <td key={v.id}>{m ? value(m) : '–'}</td>;
            })}
          </tr>
        ))}
        <tr>
          <th scope="row">First layer past threshold</th>
          {result.variants.map((v) => (
            <td key={v.id}>
              {v.layers?.firstBad ? (
                <button className="kg-link" onClick={() => jumpTo(v.layers!.firstBad!.node)}>
                  {v.layers.firstBad.name}
                </button>
              ) : (
                'none'
              )}{' '}
              {v.layers && (
                <button className="ghost" onClick={() => paint(v)}>
                  Paint
                </button>
              )}
            </td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}
