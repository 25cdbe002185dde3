/**
 * Engine diff and precision audit as the API carries them: two to four engine imports of one model
 * lined up through the ONNX nodes their layers cover (a fused layer in one engine against its parts
 * in another), and, for one import, every node whose engine precision is not what was asked. Kept
 * apart from tensorrt.ts (the single-engine view) so each file stays one readable size.
 */
import { z } from 'zod';

/** How the engine's precision differs from what was asked (or, with no recipe, from the engine's own). */
export const AuditKindSchema = z.enum([
  /** The recipe asked FP16; the layer covering the node computed in FP32. */
  'fp16-built-fp32',
  /** The node read Q/DQ (INT8 asked), but its layer ran in a float precision: the Q/DQ were not fused. */
  'int8-not-fused',
  /** The recipe pinned the node to FP32 (kept or excluded); the engine ran it in a lower precision. */
  'fp32-built-lower',
  /** No recipe: an FP32 (or TF32) layer in an engine whose other layers run in a lower precision. */
  'fp32-in-lower-engine',
  /** No recipe: a TF32 layer in an FP32 build (TensorRT allows TF32 unless built with --noTF32). */
  'tf32-in-fp32-engine',
]);
export type AuditKind = z.infer<typeof AuditKindSchema>;

export const EngineAuditSchema = z.object({
  /** 'recipe': the model carries Kiln's recipe, read per node; 'engine': no recipe, the engine's own precisions. */
  basis: z.enum(['recipe', 'engine']),
  /** What was asked, in words ('FP16', 'INT8 + FP16', 'INT8'); for basis 'engine' the engine's lowest precision. */
  asked: z.string().nullable(),
  /** Nodes whose asked and built precisions were both known, and so compared. */
  checked: z.number().int(),
  items: z.array(
    z.object({
      /** Main-graph node index. */
      node: z.number().int(),
      name: z.string(),
      op: z.string(),
      kind: AuditKindSchema,
      asked: z.string().nullable(),
      built: z.string(),
      /** The engine layers covering the node, and their time (null without a profile). */
      layers: z.array(z.string()),
      ms: z.number().nullable(),
      reason: z.string(),
    }),
  ),
  /** Reformat layers that change a tensor's data type (precision boundaries), with their cost. */
  reformats: z.array(
    z.object({
      layer: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      ms: z.number().nullable(),
      /** The nodes of the layer the conversion serves. */
      nodes: z.array(z.number().int()),
    }),
  ),
  reformatMs: z.number().nullable(),
});
export type EngineAudit = z.infer<typeof EngineAuditSchema>;

const MatchSchema = z.object({ share: z.number().nullable(), ok: z.boolean(), warning: z.string().nullable() });

export const EngineDiffSchema = z.object({
  imports: z.array(
    z.object({
      /** 'A', 'B', ...: the order the imports were given. */
      label: z.string(),
      files: z.array(z.string()),
      tensorrt: z.string().nullable(),
      match: MatchSchema,
      /** GPU time of one inference (sum of the profile's layer averages); null without a profile. */
      totalMs: z.number().nullable(),
      /** Time in Reformat layers (format and type conversions TensorRT inserted). */
      reformatMs: z.number().nullable(),
      kernels: z.number().int(),
      /** Share of this import's mapped kernel layers that fall in groups every import has layers in. */
      paired: z.number(),
      /** Layers that map to no ONNX node: listed, never dropped (their time is in totalMs). */
      unmapped: z.array(z.object({ layer: z.string(), type: z.string(), ms: z.number().nullable() })),
    }),
  ),
  groups: z.array(
    z.object({
      /** Main-graph node indices the group covers: the union of every import's layers over them. */
      nodes: z.array(z.number().int()),
      /** One entry per import, in order. */
      engines: z.array(
        z.object({
          layers: z.array(z.string()),
          types: z.array(z.string()),
          /** Distinct compute precisions of the layers, joined by '+'; null when none is known. */
          precision: z.string().nullable(),
          tactics: z.array(z.string()),
          /** Kernel time of the layers (reformats apart); null without a profile. */
          ms: z.number().nullable(),
          /** Time in the group's Reformat layers; null without a profile. */
          reformatMs: z.number().nullable(),
        }),
      ),
      /** Each import's ms minus the first's (null where either is unknown); [0] is 0. */
      deltaMs: z.array(z.number().nullable()),
      /** Largest minus smallest ms across imports: what the sort is by (0 when fewer than two are timed). */
      changeMs: z.number(),
      fusionDiffers: z.boolean(),
      precisionDiffers: z.boolean(),
    }),
  ),
  /**
   * Per layer type (CaskConvolution, Myelin, Reformat, ...): each import's time (null for an import
   * without a profile: unknown, not zero) and its number of layers; most time first, then most layers.
   */
  byType: z.array(
    z.object({ type: z.string(), ms: z.array(z.number().nullable()), layers: z.array(z.number().int()) }),
  ),
  /** True when no group differs in time, fusion or precision: the engines are the same. */
  same: z.boolean(),
  warnings: z.array(z.string()),
});
export type EngineDiff = z.infer<typeof EngineDiffSchema>;
