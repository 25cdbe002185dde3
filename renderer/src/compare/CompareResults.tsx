/**
 * Compare's results side: a note while the comparison runs, then the last comparison — the output
 * shown, the thresholds it was judged by, JSON and HTML exports (with the Engine tab's imports, when
 * there are any: one engine's view, or the engine diff and each audit), the variant × metric table and
 * the charts — its variants under the names they have now.
 */
import { engineReportJson } from '../../../electron/shared/compare/engine-json';
import { comparisonHtml } from '../../../electron/shared/compare/report';
import { describeThresholds } from '../../../electron/shared/compare/thresholds';
import { useVariants } from '../precision/store';
import { withNames } from './choices';
import { download } from '../graph/export';
import { useGraphStore } from '../graph/store';
import { useProfiles } from '../profile/store';
import { useApp } from '../state/app';
import { engineReportOf, useEngines } from '../trt/engines';
import { ErrorHistograms } from './ErrorHistograms';
import { latencies } from './latency';
import { LayerwiseChart } from './LayerwiseChart';
import { ResultsTable } from './ResultsTable';
import { useCompare } from './store';
import { TradeoffChart } from './TradeoffChart';

export function CompareResults({ fileName }: { fileName: string }) {
  const { result: last, output, comparing, edit } = useCompare();
  const variants = useVariants((s) => s.variants);
  const runs = useProfiles((s) => s.runs);
  const result = last && withNames(last, variants);
  const sha256 = useApp((s) => s.summary?.sha256);
  const names = useGraphStore((s) => s.model?.payload.nodeName);
  const engines = engineReportOf(useEngines(), sha256, names);
  return (
    <div className="profile-results">
      {comparing && <p className="muted">{comparing.label}…</p>}
      {result && (
        <>
          <div className="compat-head">
            {result.outputs.length > 1 && (
              <select value={output} onChange={(e) => edit({ output: Number(e.target.value) })} aria-label="Output">
                {result.outputs.map((o, i) => (
                  <option key={o} value={i}>
                    {o}
                  </option>
                ))}
              </select>
            )}
            <span className="muted" data-testid="compare-judged-by">
              {result.samples} samples · judged by {describeThresholds(result.thresholds)}
            </span>
            <button
              className="ghost"
              onClick={() =>
                download(
                  new Blob(
                    [JSON.stringify(engines ? { ...result, engines: engineReportJson(engines) } : result, null, 2)],
                    { type: 'application/json' },
                  ),
                  `${fileName}.comparison.json`,
                )
              }
            >
              Export JSON
            </button>
            <button
              className="ghost"
              onClick={() =>
                download(
                  new Blob(
                    [
                      comparisonHtml(result, {
                        latencyMs: latencies(runs, result),
                        ...(engines ? { engines } : {}),
                      }),
                    ],
                    { type: 'text/html' },
                  ),
                  `${fileName}.comparison.html`,
                )
              }
            >
              Export HTML report
            </button>
          </div>
          <ResultsTable result={result} output={output} />
          <div className="profile-charts">
            <TradeoffChart result={result} output={output} />
            <ErrorHistograms result={result} output={output} />
            <LayerwiseChart result={result} />
          </div>
        </>
      )}
    </div>
  );
}
