/** Progress of the running job, with a way out. */
import { useApp } from '../state/app';

export function JobBar() {
  const job = useApp((s) => s.job);
  if (!job) return null;
  const fraction = job.progress?.fraction ?? null;
  return (
    <div className="jobbar" data-testid="job">
      <span className="job-label">{job.progress?.stage ?? job.label}</span>
      <div className={`progress ${fraction === null ? 'indeterminate' : ''}`}>
        <span style={fraction === null ? undefined : { width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <button className="ghost" onClick={job.cancel}>
        Cancel
      </button>
    </div>
  );
}
