/**
 * A run's memory, as the engine host sees it. The process's high-water mark (getrusage's maxRSS)
 * only ever grows, so after the largest run every later one read the same; a run's own figure is
 * the host's resident memory sampled before its session opened and at points while it ran.
 * Memory that an earlier run freed and this one reuses is not counted again.
 */

/** Samples the host's RSS over one run: `sample()` at points of the run, `report()` at its end. */
export class RunMemory {
  readonly before = process.memoryUsage.rss();
  private peak = this.before;

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  report(): { rssBeforeBytes: number; rssPeakBytes: number } {
    this.sample();
    return { rssBeforeBytes: this.before, rssPeakBytes: this.peak };
  }
}

/** The engine host's resident-memory high-water mark since it started (bytes). */
export function hostPeakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
