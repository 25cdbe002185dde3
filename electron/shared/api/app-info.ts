/**
 * What the app and the machine say about themselves: the app's version and transport (app.info),
 * what the native probe found of TensorRT and CUDA (native.probe), and the progress a running job
 * reports (protocol.ts carries it in its frames). Kept apart from contract.ts so each file stays one
 * readable size.
 */
import { z } from 'zod';

export const NativeProbeSchema = z.object({
  addon: z.object({ loaded: z.boolean(), path: z.string().nullable(), error: z.string().nullable() }),
  tensorrt: z.object({
    found: z.boolean(),
    version: z.string().nullable(),
    library: z.string().nullable(),
    parser: z.string().nullable(),
  }),
  cuda: z.object({
    found: z.boolean(),
    runtimeVersion: z.string().nullable(),
    driverVersion: z.string().nullable(),
    devices: z.array(z.object({ name: z.string(), computeCapability: z.string(), memoryBytes: z.number() })),
    library: z.string().nullable(),
  }),
  /** Every place searched and why nothing loaded there, in the order tried. */
  searched: z.array(z.object({ library: z.string(), path: z.string(), result: z.string() })),
  summary: z.string(),
});
export type NativeProbe = z.infer<typeof NativeProbeSchema>;

export const AppInfoSchema = z.object({
  name: z.literal('kiln'),
  version: z.string(),
  platform: z.string(),
  transport: z.enum(['ipc', 'websocket', 'cli']),
  maxUploadBytes: z.number().nullable(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const ProgressSchema = z.object({
  /** 0..1, or null while the amount of work is unknown. */
  fraction: z.number().min(0).max(1).nullable(),
  stage: z.string(),
});
export type Progress = z.infer<typeof ProgressSchema>;
