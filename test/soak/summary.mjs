/**
 * The soak's verdicts and its printed summary: what was done (requests, calls answered, outcomes by
 * kind, time per operation), what the server held before, at its peak and after (descriptors,
 * memory, temp folders), and each pass/fail rule with the figures it was decided on.
 */

const MB = 1024 ** 2;
const mb = (b) => (b == null ? '—' : `${(b / MB).toFixed(0)} MB`);
/** Uploads are kept within twice the upload limit (serve --max-upload-mb 64, as soak.mjs starts it). */
const UPLOAD_BUDGET = 2 * 64 * MB;

/** Each rule: name, ok, and the figures behind it. */
export function verdicts(r) {
  const hostCrashes = r.serverLog.filter((l) => /engine host stopped/.test(l));
  const watchdog = r.serverLog.filter((l) => /engine host restarted/.test(l));
  const unexpected = r.tally.unexpected + r.warm.unexpected;
  const within = (after, before, share, floor) => after <= before + Math.max(before * share, floor);
  // RSS keeps what the allocator and ONNX Runtime hold after a burst, so it is not expected back at
  // its pre-run figure; a leak shows as a climb through the run, not as a level.
  const third = Math.max(1, Math.floor(r.series.length / 3));
  const peakOf = (xs) => Math.max(0, ...xs.map((x) => x.hostRss));
  const plateau = { first: peakOf(r.series.slice(0, third)), last: peakOf(r.series.slice(-third)) };
  plateau.ok = r.series.length < 3 || plateau.last <= plateau.first * 1.15;
  return [
    { name: 'the server stayed up', ok: r.crashed === null, detail: r.crashed ? JSON.stringify(r.crashed) : 'yes' },
    {
      name: 'it stopped cleanly on SIGTERM',
      ok: r.stopped?.code === 0,
      detail: r.stopped ? `exit ${r.stopped.code ?? r.stopped.signal}` : 'did not stop',
    },
    {
      name: 'no engine host crashed',
      ok: hostCrashes.length === 0,
      detail: `${hostCrashes.length} crashes, ${watchdog.length} watchdog restarts${hostCrashes[0] ? `: ${hostCrashes[0]}` : ''}`,
    },
    {
      name: 'every call answered',
      ok: r.tally.unanswered.length === 0 && r.warm.unanswered.length === 0,
      detail: `${r.tally.jobsAnswered} answered, ${r.tally.unanswered.length + r.warm.unanswered.length} not`,
    },
    { name: 'no unexpected outcome', ok: unexpected === 0, detail: `${unexpected}` },
    {
      name: "server's descriptors back to baseline",
      ok: r.after.server.fds !== null && r.after.server.fds <= r.before.server.fds,
      detail: `${r.before.server.fds} → ${r.after.server.fds} (peak ${r.peak.serverFds})`,
    },
    {
      name: "engine hosts' descriptors back to baseline",
      ok: r.after.hostFds <= r.before.hostFds,
      detail: `${r.before.hostFds} → ${r.after.hostFds} (peak ${r.peak.hostFds}; ${r.before.hosts.length} → ${r.after.hosts.length} hosts)`,
    },
    {
      name: 'no temp folder left (kiln-* in its TMPDIR)',
      ok:
        JSON.stringify(r.after.temp.entries) === JSON.stringify(r.before.temp.entries) &&
        r.after.temp.uploads.parts === 0 &&
        r.after.temp.uploads.bytes <= UPLOAD_BUDGET,
      detail: `${r.before.temp.entries.length} → ${r.after.temp.entries.length} entries; uploads kept ${r.after.temp.uploads.folders} (${mb(r.after.temp.uploads.bytes)} of ${mb(UPLOAD_BUDGET)}), ${r.after.temp.uploads.parts} .part`,
    },
    {
      name: "server's heap after GC back near baseline (+10% or 8 MB)",
      ok: r.after.heap !== null && within(r.after.heap.heapUsed, r.before.heap.heapUsed, 0.1, 8 * MB),
      detail: `${mb(r.before.heap.heapUsed)} → ${mb(r.after.heap?.heapUsed)} (RSS ${mb(r.before.server.rss)} → ${mb(r.after.server.rss)}, peak ${mb(r.peak.serverRss)})`,
    },
    {
      name: "engine hosts' heap after GC back near baseline (+10% or 8 MB)",
      ok: r.after.hostHeap !== null && within(r.after.hostHeap, r.before.hostHeap, 0.1, 8 * MB),
      detail: `${mb(r.before.hostHeap)} → ${mb(r.after.hostHeap)}`,
    },
    {
      name: "engine hosts' RSS levels off (last third's peak ≤ first third's + 15%)",
      ok: plateau.ok,
      detail: `${mb(plateau.first)} in the first third, ${mb(plateau.last)} in the last (RSS at rest ${mb(r.before.hostRss)} → ${mb(r.after.hostRss)})`,
    },
    {
      name: 'nothing of it left after it stopped',
      ok: r.leftAfterStop.length === 0,
      detail: r.leftAfterStop.length ? r.leftAfterStop.join(', ') : 'nothing',
    },
  ];
}

export function printSummary(r, verdict) {
  const t = r.tally;
  const line = (a, b) => console.log(`  ${a.padEnd(58)} ${b}`);
  console.log(`\n== soak: ${r.command}`);
  line('ran', `${(r.ranMs / 60_000).toFixed(1)} min, ${r.clients} clients`);
  line('requests sent (calls, uploads, frames, GETs)', String(t.requests));
  line('calls answered', String(t.jobsAnswered));
  line('calls left by a client that disconnected mid-job', String(t.abandoned));
  console.log('\n  outcomes by kind (count, expected?)');
  for (const [kind, k] of [...t.kinds].sort((a, b) => b[1].count - a[1].count))
    console.log(`    ${kind.padEnd(56)} ${String(k.count).padStart(7)}  ${k.expected ? '' : 'UNEXPECTED'}`);
  console.log('\n  time per operation (count, mean, max)');
  for (const [op, l] of [...t.latency].sort((a, b) => b[1].count - a[1].count))
    console.log(
      `    ${op.padEnd(24)} ${String(l.count).padStart(7)} ${`${(l.total / l.count).toFixed(0)} ms`.padStart(10)} ${`${l.max.toFixed(0)} ms`.padStart(10)}`,
    );
  console.log('\n  at rest before → after (peak during the run)');
  line('server descriptors', `${r.before.server.fds} → ${r.after.server.fds} (${r.peak.serverFds})`);
  line('server RSS', `${mb(r.before.server.rss)} → ${mb(r.after.server.rss)} (${mb(r.peak.serverRss)})`);
  line('server heap used after GC', `${mb(r.before.heap.heapUsed)} → ${mb(r.after.heap?.heapUsed)}`);
  line('engine hosts', `${r.before.hosts.length} → ${r.after.hosts.length} (${r.peak.hosts.length} pids seen)`);
  line('engine host descriptors', `${r.before.hostFds} → ${r.after.hostFds} (${r.peak.hostFds})`);
  line('engine host RSS', `${mb(r.before.hostRss)} → ${mb(r.after.hostRss)} (${mb(r.peak.hostRss)})`);
  line('engine host heap used after GC', `${mb(r.before.hostHeap)} → ${mb(r.after.hostHeap)}`);
  line('kiln-* entries in its TMPDIR', `${r.before.temp.entries.length} → ${r.after.temp.entries.length}`);
  console.log('\n  during the run, each minute (s: requests, server fds / RSS, hosts fds / RSS)');
  for (const s of r.series.filter(
    (x, i, all) => i === all.length - 1 || Math.floor(x.s / 60) !== Math.floor(all[i + 1].s / 60),
  ))
    console.log(
      `    ${String(s.s).padStart(5)} s: ${String(s.requests).padStart(7)}  ${s.serverFds} / ${mb(s.serverRss)}  ${s.hostFds} / ${mb(s.hostRss)}`,
    );
  if (t.samples.length || r.warm.samples.length) {
    console.log('\n  unexpected outcomes (first few)');
    for (const s of [...r.warm.samples, ...t.samples].slice(0, 20)) console.log(`    ${s}`);
  }
  if (t.unanswered.length) {
    console.log('\n  unanswered calls (first few)');
    for (const s of t.unanswered.slice(0, 20)) console.log(`    ${s}`);
  }
  console.log('\n  verdict');
  for (const v of verdict) console.log(`    ${v.ok ? 'PASS' : 'FAIL'}  ${v.name.padEnd(54)} ${v.detail}`);
  console.log('');
}
