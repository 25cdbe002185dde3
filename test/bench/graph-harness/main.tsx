/**
 * Graph view harness for the benchmark and for looking at bad inputs without a model file:
 * `?layers=N` builds an N-block transformer payload in the page, `?bad=cycle|wide|...` a bad input,
 * `?onnx=URL` decodes a real .onnx file (same payload code as the host's model.graph job),
 * `?theme=light` switches theme. Timings land on `window.__harness`.
 */
import { onnx } from 'onnx-proto';
import { createRoot } from 'react-dom/client';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { buildGraphPayload, payloadGraphFromProto } from '../../../electron/core/graph/payload';
import { GraphView } from '../../../renderer/src/graph/GraphView';
import { badPayload, transformerPayload } from '../graph-payload';

declare global {
  interface Window {
    __harness?: { payloadMs: number; mountedAt: number; nodes: number };
  }
}

const params = new URLSearchParams(location.search);
document.documentElement.dataset.theme = params.get('theme') === 'light' ? 'light' : 'dark';
async function load(): Promise<{ payload: GraphPayload; name: string }> {
  const bad = params.get('bad');
  if (bad) return { payload: badPayload(bad as Parameters<typeof badPayload>[0]), name: bad };
  const url = params.get('onnx');
  if (url) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const model = onnx.ModelProto.decode(bytes);
    return {
      payload: buildGraphPayload(payloadGraphFromProto(model.graph ?? {})),
      name: url
        .split('/')
        .pop()!
        .replace(/\.onnx$/, ''),
    };
  }
  return { payload: transformerPayload(Number(params.get('layers') ?? '12')), name: 'transformer' };
}

const t0 = performance.now();
void load().then(({ payload, name }) => {
  window.__harness = {
    payloadMs: performance.now() - t0,
    mountedAt: performance.now(),
    nodes: payload.nodeName.length,
  };
  createRoot(document.getElementById('root')!).render(<GraphView payload={payload} graphName={name} />);
});
