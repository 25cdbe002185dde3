// Issue 20, item 1: the contract admits requests far over the 1 MiB a browser-mode socket carries
// (10,000 node names of up to 4096 characters), so the app's own page could send a frame that the
// server had to refuse by dropping the connection. The client now holds every call on a transport
// with a message limit to that limit and refuses a bigger one by name, without sending it.
import { describe, expect, it } from 'vitest';
import { BROWSER_MODE } from '../../../electron/shared/api/bridge';
import { ApiClient } from '../../../electron/shared/api/client';
import type { Transport } from '../../../electron/shared/api/client';
import type { RequestOf } from '../../../electron/shared/api/contract';
import { api } from '../../../electron/shared/api/contract';
import type { ClientMessage } from '../../../electron/shared/api/protocol';

function socketLike(maxMessageBytes: number | undefined) {
  const sent: ClientMessage[] = [];
  const transport: Transport = {
    kind: 'websocket',
    send: (m) => sent.push(m),
    onMessage: () => () => {},
    ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
  };
  return { client: new ApiClient(transport), sent };
}

/** A variant.make request the contract accepts, about `nodes` × 200 bytes of JSON. */
function fp16Excluding(nodes: number): RequestOf<'variant.make'> {
  const excludeNodes = Array.from({ length: nodes }, (_, i) => `/backbone/stage${i}/` + 'conv'.repeat(45));
  return {
    source: { kind: 'upload', uploadId: 'f'.repeat(32) },
    recipe: { precision: 'fp16', excludeNodes },
  } as RequestOf<'variant.make'>;
}

describe('a call over the transport message limit', () => {
  it('is valid for the contract, so only a size limit can catch it', () => {
    const params = fp16Excluding(10_000);
    expect(api['variant.make'].request.safeParse(params).success).toBe(true);
    expect(JSON.stringify(params).length).toBeGreaterThan(BROWSER_MODE.maxMessageBytes);
  });

  it('is refused with TOO_LARGE, naming the call and the limit, and never sent', async () => {
    const { client, sent } = socketLike(BROWSER_MODE.maxMessageBytes);
    const err = await client.call('variant.make', fp16Excluding(10_000)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_LARGE' });
    expect((err as Error).message).toContain('variant.make');
    expect((err as Error).message).toContain('1.0 MB');
    expect(sent).toEqual([]);
  });

  it('a call within the limit is sent as before, and a transport without a limit sends anything', () => {
    const small = socketLike(BROWSER_MODE.maxMessageBytes);
    void small.client.call('variant.make', fp16Excluding(10));
    expect(small.sent).toHaveLength(1);
    const ipc = socketLike(undefined);
    void ipc.client.call('variant.make', fp16Excluding(10_000));
    expect(ipc.sent).toHaveLength(1);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const { client, sent } = socketLike(1000);
    const path = 'é'.repeat(450); // 450 characters, 900 bytes
    const err = await client
      .call('model.open', { source: { kind: 'path', path: path + path } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_LARGE' });
    expect(sent).toEqual([]);
  });
});
