/**
 * Picks the transport: Electron's preload bridge when present, else the WebSocket of browser mode.
 * The rest of the renderer sees one ApiClient and never knows which.
 */
import { ApiClient } from '../../../electron/shared/api/client';
import type { Transport } from '../../../electron/shared/api/client';
import type { KilnBridge } from '../../../electron/shared/api/bridge';
import { BROWSER_MODE } from '../../../electron/shared/api/bridge';
import { byteReplyRef, readServerFrame } from '../../../electron/shared/api/frames';
import type { ByteReplyRef } from '../../../electron/shared/api/frames';
import type { ClientMessage } from '../../../electron/shared/api/protocol';

declare global {
  interface Window {
    kiln?: KilnBridge;
  }
}

export type LinkState = 'connecting' | 'open' | 'lost';

export function bridge(): KilnBridge | undefined {
  return typeof window !== 'undefined' ? window.kiln : undefined;
}

export function token(): string {
  return new URLSearchParams(location.search).get('token') ?? '';
}

function ipcTransport(kiln: KilnBridge): Transport {
  return { kind: 'ipc', send: (m) => kiln.send(m), onMessage: (l) => kiln.onMessage(l) };
}

/**
 * The bytes a big result names (electron/serve/byte-replies.ts), fetched over HTTP: the message
 * back with them as its value, or a failed result that says why.
 */
async function withFetchedBytes(id: string, ref: ByteReplyRef, message: object): Promise<unknown> {
  const failed = (why: string) => ({
    type: 'result',
    id,
    ok: false,
    error: {
      code: 'UNAVAILABLE',
      message: `a reply of ${ref.bytes} bytes could not be fetched from the Kiln server: ${why}`,
    },
  });
  try {
    const res = await fetch(`${BROWSER_MODE.byteReplyPath}/${ref.kilnByteReply}`, {
      headers: { [BROWSER_MODE.tokenHeader]: token() },
      cache: 'no-store',
    });
    if (!res.ok) return failed(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength !== ref.bytes) return failed(`${bytes.byteLength} bytes came`);
    return { ...message, value: bytes };
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  }
}

/** A WebSocket that reconnects with back-off; calls in flight when it drops fail with "connection lost". */
function webSocketTransport(onState: (s: LinkState) => void): Transport {
  const listeners = new Set<(m: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const queue: ClientMessage[] = [];
  let ws: WebSocket | null = null;
  let delay = 250;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BROWSER_MODE.wsPath}?token=${encodeURIComponent(token())}`;
  const connect = () => {
    onState('connecting');
    const socket = new WebSocket(url);
    // Results that are bytes (the graph payload) come as binary frames, read in place.
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onopen = () => {
      delay = 250;
      onState('open');
      for (const m of queue.splice(0)) socket.send(JSON.stringify(m));
    };
    socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      const data = readServerFrame(e.data);
      if (data === null) return;
      const big = byteReplyRef(data);
      if (big) {
        void withFetchedBytes(big.id, big.ref, data as object).then((message) => {
          for (const l of listeners) l(message);
        });
        return;
      }
      for (const l of listeners) l(data);
    };
    socket.onclose = (e) => {
      onState('lost');
      // 1009: a message over BROWSER_MODE.maxMessageBytes (the client refuses those before sending).
      const reason =
        e.code === 1009 ? 'a request was larger than the Kiln server accepts' : 'the Kiln server closed the connection';
      for (const l of closeListeners) l(reason);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5_000);
    };
  };
  connect();
  return {
    kind: 'websocket',
    maxMessageBytes: BROWSER_MODE.maxMessageBytes,
    send(m) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
      else queue.push(m);
    },
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onClose(l) {
      closeListeners.add(l);
      return () => closeListeners.delete(l);
    },
  };
}

export function createClient(onState: (s: LinkState) => void): ApiClient {
  const kiln = bridge();
  if (kiln) {
    onState('open');
    return new ApiClient(ipcTransport(kiln));
  }
  return new ApiClient(webSocketTransport(onState));
}
