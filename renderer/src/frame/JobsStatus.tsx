/**
 * The status bar's account of the work in flight: every job from every store (the job runner lists
 * them all), what it is doing, how far it got and how long it has run, with Cancel. One job shows in
 * the bar itself; with more, a button opens the full list. Text never ends cut off without a way to
 * read it: the bar's line carries the whole text as its tooltip, and the list wraps.
 */
import { useEffect, useRef, useState } from 'react';
import { jobText, runningJobs, type ListedJob } from '../state/job';

function percent(job: ListedJob): string | null {
  const f = job.progress?.fraction;
  return f === null || f === undefined ? null : `${Math.round(f * 100)}%`;
}

function elapsed(since: number, now: number): string {
  const s = Math.max(0, Math.floor((now - since) / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function Bar({ job }: { job: ListedJob }) {
  const f = job.progress?.fraction ?? null;
  return (
    <div className={`progress ${f === null ? 'indeterminate' : ''}`} aria-hidden>
      <span style={f === null ? undefined : { width: `${Math.round(f * 100)}%` }} />
    </div>
  );
}

/** Re-renders once a second while something runs (the elapsed time). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function JobsStatus() {
  const jobs = runningJobs((s) => s.jobs);
  // The jobs listed when the list was opened: it closes on Escape, on a click elsewhere, when one
  // job is left (the bar shows it), and does not come back by itself for jobs started later.
  const [openedWith, setOpenedWith] = useState<number[] | null>(null);
  const listOpen = openedWith !== null && jobs.length > 1 && jobs.some((j) => openedWith.includes(j.id));
  const setListOpen = (open: boolean) => setOpenedWith(open ? jobs.map((j) => j.id) : null);
  const rootRef = useRef<HTMLSpanElement>(null);
  const now = useNow(jobs.length > 0);

  useEffect(() => {
    if (!listOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpenedWith(null);
    const onDown = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpenedWith(null);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [listOpen]);

  if (jobs.length === 0) {
    return (
      <span className="status-jobs" data-testid="job-status">
        Idle
      </span>
    );
  }
  // The newest job is the one the user just started: it leads.
  const lead = jobs[jobs.length - 1]!;
  const pct = percent(lead);
  const full = jobs.map((j) => `${jobText(j)}${percent(j) ? ` (${percent(j)})` : ''}`).join('\n');
  return (
    <span className="status-jobs" ref={rootRef}>
      <span className="status-job" data-testid="job-status" title={full}>
        <Bar job={lead} />
        <span className="status-job-text">{jobText(lead)}</span>
        {pct && <span>{pct}</span>}
        <span className="muted">{elapsed(lead.startedAt, now)}</span>
      </span>
      <button
        type="button"
        className="ghost status-cancel"
        aria-label={`Cancel ${lead.label}`}
        title={`Cancel ${lead.label}`}
        onClick={lead.cancel}
      >
        Cancel
      </button>
      {jobs.length > 1 && (
        <button
          type="button"
          className="ghost status-more"
          aria-expanded={listOpen}
          data-testid="jobs-toggle"
          onClick={() => setListOpen(!listOpen)}
        >
          {jobs.length} jobs {listOpen ? '▾' : '▴'}
        </button>
      )}
      {listOpen && (
        <ul className="jobs-list" data-testid="jobs-list" aria-label="Running jobs">
          {jobs.map((j) => (
            <li key={j.id}>
              <div className="jobs-list-text">
                {jobText(j)}
                <span className="muted">
                  {percent(j) ? ` · ${percent(j)}` : ''} · {elapsed(j.startedAt, now)}
                </span>
              </div>
              <Bar job={j} />
              <button type="button" className="ghost" aria-label={`Cancel ${j.label}`} onClick={j.cancel}>
                Cancel
              </button>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
