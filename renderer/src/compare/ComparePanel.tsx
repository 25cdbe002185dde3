/**
 * Which variant to ship: every variant against the FP32 reference on the same inputs — a
 * variant × metric table with pass/fail, latency against accuracy (latency from the profiles run in
 * the Build & profile tab), and the layerwise error curve, with the first layer that loses accuracy
 * one click away on the graph.
 *
 * This file only composes the tab: the form (with the mixed-precision search) on the left, the
 * results on the right; what they hold lives in the compare store.
 */
import { useLayoutEffect } from 'react';
import { useShapeFields } from '../profile/ShapeFields';
import { useApp } from '../state/app';
import { CompareForm } from './CompareForm';
import { CompareResults } from './CompareResults';
import { useCompare } from './store';
import './compare.css';
import type { CompareSetup } from './store';

const NO_INPUTS: never[] = [];

export function ComparePanel() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const forModel = useCompare((s) => s.forModel);
  const shapeState = useShapeFields(summary?.inputs ?? NO_INPUTS);

  // Before the first paint, so a newly opened model never shows the last one's comparison.
  useLayoutEffect(() => {
    if (summary) forModel(summary.sha256);
  }, [summary, forModel]);
  if (!client || !source || !summary) return null;

  /** What a comparison or a search runs on, read when the user asks for one. */
  const setup = (): CompareSetup => ({ client, source, summary, shapes: shapeState.parse() });

  return (
    <section className="profile" data-testid="compare-panel" aria-label="Compare precisions">
      <CompareForm summary={summary} shapeState={shapeState} setup={setup} />
      <CompareResults fileName={summary.fileName} />
    </section>
  );
}
