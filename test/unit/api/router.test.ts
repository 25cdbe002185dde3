// The router is the single gate for every transport: it must refuse malformed envelopes, unknown
// methods and bad arguments with typed errors, and route valid calls with progress and cancel.
import { describe, expect, it } from 'vitest';
import type { Method } from '../../../electron/shared/api/contract';
import type { ServerMessage } from '../../../electron/shared/api/protocol';
import { directClient } from '../../../electron/shared/api/direct';
import { KilnError } from '../../../electron/shared/api/errors';
import type { CallHandler } from '../../../electron/shared/api/router';
import { Router } from '../../../electron/shared/api/router';

function collect(handler: CallHandler) {
  const out: ServerMessage[] = [];
  const router = new Router(handler, (m) => out.push(m));
  return { router, out };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Router', () => {
  it('refuses a malformed envelope', () => {
    const { router, out } = collect(async () => 1);
    router.receive({ type: 'call', id: 7 });
    router.receive('not an object');
    expect(out).toHaveLength(2);
    for (const m of out) expect(m).toMatchObject({ type: 'result', ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('refuses unknown methods and invalid arguments, naming the field', async () => {
    const calls: Method[] = [];
    const { router, out } = collect(async (m) => calls.push(m));
    router.receive({ type: 'call', id: 'a', method: 'fs.readFile', params: {} });
    router.receive({ type: 'call', id: 'b', method: 'model.open', params: { source: { kind: 'path', path: 42 } } });
    router.receive({
      type: 'call',
      id: 'c',
      method: 'model.open',
      params: { source: { kind: 'upload', uploadId: '../etc/passwd' } },
    });
    router.receive({ type: 'call', id: 'd', method: 'app.info', params: { extra: true } });
    await tick();
    expect(calls).toEqual([]);
    expect(out.map((m) => (m.type === 'result' && !m.ok ? m.error.code : 'ok'))).toEqual([
      'UNKNOWN_METHOD',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
    ]);
    const b = out[1];
    expect(b?.type === 'result' && !b.ok && b.error.message).toContain('source.path');
  });

  it('routes a valid call with progress, result and typed errors through the client', async () => {
    const client = directClient(async (method, params, run) => {
      if (method === 'host.diagnose') {
        run.onProgress({ fraction: 0.5, stage: 'half' });
        return { pid: 1, ranMs: (params as { ms: number }).ms };
      }
      throw new KilnError('NOT_ONNX', 'not an ONNX model: protobuf decode failed at byte 3', { file: 'x.onnx' });
    });
    const seen: number[] = [];
    await expect(
      client.call('host.diagnose', { ms: 5 }, { onProgress: (p) => seen.push(p.fraction ?? 0) }),
    ).resolves.toEqual({ pid: 1, ranMs: 5 });
    expect(seen).toEqual([0.5]);
    const err = await client.call('model.open', { source: { kind: 'path', path: 'x.onnx' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect(err).toMatchObject({ code: 'NOT_ONNX', file: 'x.onnx' });
  });

  it('cancel aborts the running call', async () => {
    const client = directClient(
      (_m, _p, run) =>
        new Promise((_resolve, reject) => {
          run.signal.addEventListener('abort', () => reject(new KilnError('CANCELLED', 'stopped')));
        }),
    );
    const controller = new AbortController();
    const p = client.call('host.diagnose', { ms: 1000 }, { signal: controller.signal });
    await tick();
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
