/**
 * The worker thread that opens one side of a diff while the calling thread opens the other (two
 * cores, two files decoded at once). It reads, decodes and indexes the file as the calling thread
 * would, then posts only what the diff reads (side-packet.ts), its big arrays moved rather than
 * copied. A file that cannot be opened is posted back as the same KilnError, naming the file.
 */
import { answerParent } from '../jobs/one-reply-worker';
import { buildIR } from '../onnx/ir';
import { openModelFile } from '../onnx/open';
import { packSide } from './side-packet';
import type { SideRequest } from './side-thread';

void answerParent(async ({ path, displayName }: SideRequest) => {
  const opened = await openModelFile(path, displayName);
  const packed = packSide(opened, buildIR(opened.model));
  return { value: packed.packet, transfer: packed.transfer };
});
