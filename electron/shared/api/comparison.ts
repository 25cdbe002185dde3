/**
 * An accuracy comparison as model.compare replies it: per variant and output the error metrics
 * against the FP32 reference, the verdict against the thresholds, and the layerwise error in
 * topological order. Kept apart from contract.ts, which names it in its call; the metrics
 * themselves are computed in shared/compare/.
 */
import { z } from 'zod';
import { ThresholdsSchema } from '../compare/thresholds';

const ErrorMetricsSchema = z.object({
  count: z.number().int(),
  maxAbs: z.number(),
  meanAbs: z.number(),
  medianAbs: z.number(),
  p99Abs: z.number(),
  maxRel: z.number(),
  meanRel: z.number(),
  l2: z.number(),
  cosine: z.number(),
  psnr: z.number(),
  snr: z.number(),
  /** null: atol/rtol were not asked for. */
  mismatched: z.number().int().nullable(),
  histogram: z.array(z.number()),
});

export const ComparisonSchema = z.object({
  reference: z.string(),
  samples: z.number().int(),
  shapes: z.record(z.string(), z.array(z.number())),
  thresholds: ThresholdsSchema,
  outputs: z.array(z.string()),
  /** The outputs whose verdict decides a variant's pass/fail (the others are measured, not judged). */
  judged: z.array(z.string()),
  variants: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      pass: z.boolean(),
      perOutput: z.array(
        z.object({
          output: z.string(),
          metrics: ErrorMetricsSchema,
          /** Cosine of the sample that agrees least (thresholds hold per sample, as in Polygraphy). */
          worstSample: z.object({ index: z.number().int(), cosine: z.number() }),
          top1: z.number().nullable(),
          top5: z.number().nullable(),
          /** Holds class scores (a Softmax's output, logits): its top-1 agreement is judged. */
          classScores: z.boolean(),
          pass: z.boolean(),
          failed: z.array(z.string()),
          judged: z.boolean(),
        }),
      ),
      /** Per exposed tensor in topological order (reference's main-graph node index), and the first past the thresholds. */
      layers: z
        .object({
          tensors: z.array(
            z.object({
              name: z.string(),
              node: z.number().int(),
              /** Over every sample pooled (loud samples weigh most). */
              cosine: z.number(),
              /** The mean of each sample's cosine (a quiet sample weighs as much as a loud one). */
              meanSampleCosine: z.number(),
              maxAbs: z.number(),
              meanAbs: z.number(),
              snr: z.number(),
            }),
          ),
          firstBad: z.object({ name: z.string(), node: z.number().int() }).nullable(),
          /** Samples the layerwise error is pooled over (all of the comparison's, within a memory budget). */
          samples: z.number().int(),
        })
        .nullable(),
    }),
  ),
});
export type Comparison = z.infer<typeof ComparisonSchema>;
