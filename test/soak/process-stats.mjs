/**
 * What the soak measures of the server it runs, from outside (Linux /proc): open descriptors and
 * resident memory of the serve process and of its engine hosts (its child processes), and the
 * kiln-* temp folders in the server's own TMPDIR, so a leak shows as a difference between two
 * snapshots taken at rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Open descriptors of `pid`, or null when it is gone. */
export function descriptors(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Resident memory of `pid` in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The pids whose parent is `pid` (the engine hosts of a serve process). */
export function childrenOf(pid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone between the listing and the read
    }
  }
  return out.sort((a, b) => a - b);
}

/** Every kiln-* entry in `tmp`, and what the upload folder holds (entries, bytes, half-written .part files). */
export function tempState(tmp) {
  const entries = fs
    .readdirSync(tmp)
    .filter((n) => n.startsWith('kiln-'))
    .sort();
  const uploads = { folders: 0, bytes: 0, parts: 0 };
  for (const name of entries.filter((n) => n.startsWith('kiln-uploads-'))) {
    for (const id of fs.readdirSync(path.join(tmp, name))) {
      uploads.folders++;
      for (const file of fs.readdirSync(path.join(tmp, name, id))) {
        if (file.endsWith('.part')) uploads.parts++;
        uploads.bytes += fs.statSync(path.join(tmp, name, id, file)).size;
      }
    }
  }
  return { entries, uploads };
}

/** One snapshot of a serve process, its hosts and its temp folder. */
export function snapshot(serverPid, tmp) {
  const hosts = childrenOf(serverPid).map((pid) => ({ pid, fds: descriptors(pid), rss: rssBytes(pid) }));
  return {
    at: Date.now(),
    server: { pid: serverPid, fds: descriptors(serverPid), rss: rssBytes(serverPid) },
    hosts,
    hostFds: hosts.reduce((s, h) => s + (h.fds ?? 0), 0),
    hostRss: hosts.reduce((s, h) => s + (h.rss ?? 0), 0),
    temp: tempState(tmp),
  };
}

/**
 * JavaScript memory after a full garbage collection, by pid, of every process still listening at
 * one of `inspectorUrls` (the server and its engine hosts, started with `--inspect=127.0.0.1:0`):
 * what a leak of JavaScript objects would grow, unlike RSS, which also holds what the allocator
 * keeps after a burst and native memory (ONNX Runtime's).
 */
export async function heapsAfterGc(inspectorUrls) {
  const out = new Map();
  for (const url of inspectorUrls) {
    const heap = await heapAfterGc(url).catch(() => null); // a host that has since gone
    if (heap) out.set(heap.pid, heap);
  }
  return out;
}

async function heapAfterGc(inspectorUrl) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let next = 1;
  const ask = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const onMessage = (data) => {
        const m = JSON.parse(data.toString());
        if (m.id !== id) return;
        ws.off('message', onMessage);
        if (m.error) reject(new Error(m.error.message));
        else resolve(m.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await ask('HeapProfiler.collectGarbage');
    await ask('HeapProfiler.collectGarbage');
    const expression = 'JSON.stringify({ pid: process.pid, ...process.memoryUsage() })';
    const r = await ask('Runtime.evaluate', { expression, returnByValue: true });
    const usage = JSON.parse(r.result.value);
    return { pid: usage.pid, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
  } finally {
    ws.close();
  }
}
