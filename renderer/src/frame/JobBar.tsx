/** Progress of the running job, with a way out. */
import { useApp } from '../state/app';
import { JobProgress } from './Progress';

export function JobBar() {
  const job = useApp((s) => s.job);
  if (!job) return null;
  return (
    <JobProgress className="jobbar" testId="job" label={job.label} progress={job.progress} onCancel={job.cancel} />
  );
}
