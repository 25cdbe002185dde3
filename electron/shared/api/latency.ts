/**
 * A latency summary (min, max, mean, median, p90, p95, p99 in ms) as the API carries it: what
 * Kiln's own profile reports and what a trtexec times file is read into. Kept in a file of its own
 * because both backends.ts and tensorrt.ts name it, and neither should import the other for it.
 */
import { z } from 'zod';

export const LatencySchema = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  median: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
});
export type Latency = z.infer<typeof LatencySchema>;
