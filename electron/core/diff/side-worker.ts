/**
 * The worker thread that opens one side of a diff while the calling thread opens the other (two
 * cores, two files decoded at once). It reads, decodes and indexes the file as the calling thread
 * would, then posts only what the diff reads (side-packet.ts), its big arrays moved rather than
 * copied. A file that cannot be opened is posted back as the same KilnError, naming the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorShape } from '../../shared/api/errors';
import { buildIR } from '../onnx/ir';
import { openModelFile } from '../onnx/open';
import { packSide } from './side-packet';
import type { SideReply, SideRequest } from './side-thread';

async function openSide({ path, displayName }: SideRequest): Promise<void> {
  let reply: SideReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const opened = await openModelFile(path, displayName);
    const packed = packSide(opened, buildIR(opened.model));
    reply = { ok: true, packet: packed.packet };
    transfer = packed.transfer;
  } catch (err) {
    reply = { ok: false, error: toErrorShape(err) };
  }
  parentPort!.postMessage(reply, transfer);
}

void openSide(workerData as SideRequest);
