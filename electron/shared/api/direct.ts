/** An in-process transport: an ApiClient wired straight to a Router (the CLI, tests). */
import { ApiClient } from './client';
import type { Transport } from './client';
import { joinFrame, readServerFrame, serverFrame } from './frames';
import type { CallHandler } from './router';
import { Router } from './router';

export function directClient(handler: CallHandler): ApiClient {
  const listeners = new Set<(message: unknown) => void>();
  // A round trip through the socket's frames, so direct calls see exactly what a real transport would carry.
  const router = new Router(handler, (message) => {
    const copy = readServerFrame(joinFrame(serverFrame(message)));
    for (const l of listeners) l(copy);
  });
  const transport: Transport = {
    kind: 'direct',
    send: (message) => router.receive(JSON.parse(JSON.stringify(message))),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return new ApiClient(transport);
}
