/**
 * A job's stage, a progress bar (indeterminate without a fraction) and its Cancel button. The stage
 * wraps where the space is narrow (a form) and carries the whole text, job and stage, as its tooltip
 * where a line is cut short (the job bar).
 */
import type { Progress } from '../../../electron/shared/api/app-info';
import { jobText } from '../state/job';

export function JobProgress({
  label,
  progress,
  onCancel,
  className,
  testId,
}: {
  label: string;
  progress: Progress | null;
  onCancel: () => void;
  className: string;
  testId?: string;
}) {
  const fraction = progress?.fraction ?? null;
  return (
    <div className={className} data-testid={testId}>
      <span className="job-label" title={jobText({ label, progress })}>
        {progress?.stage ?? label}
      </span>
      <div className={`progress ${fraction === null ? 'indeterminate' : ''}`}>
        <span style={fraction === null ? undefined : { width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <button type="button" className="ghost" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
