/**
 * Reads layer information (IEngineInspector, `trtexec --exportLayerInfo`): `{"Layers": [...], ...}`.
 * TensorRT 8.x–10.x name the I/O tensors in `Bindings` (a list of names) and describe each layer
 * tensor with one `Format/Datatype` string ("Channel major FP16 format where channel % 8 == 0");
 * 11.x has `I/O Tensors` (objects) and separate `Format` and `DataType`. With ProfilingVerbosity
 * kLAYER_NAMES_ONLY, `Layers` is a list of plain names.
 */
import { z } from 'zod';
import { normalizeDtype } from './data-types';
import { parseLayerName, parseMetadata } from './layer-names';
import { layerPrecision } from './precision';
import type { JsonTextNotes } from './lenient-json';
import { describeJson, isRecord, lenientRecord, readRecord } from './records';
import type { EngineLayer, EngineLayerInfo, EngineTensor, IoTensor, LayerInfoSchema } from './types';
import { Warnings } from './warnings';

const Dims = z.array(z.number());
const Tactic = z.union([z.string(), z.number()]);

const TensorRecord = lenientRecord({
  Name: z.string(),
  Location: z.string(),
  Dimensions: Dims,
  'Format/Datatype': z.string(),
  Format: z.string(),
  DataType: z.string(),
  Datatype: z.string(),
});

const LayerRecord = lenientRecord({
  Name: z.string(),
  LayerType: z.string(),
  ParameterType: z.string(),
  Origin: z.string(),
  Inputs: z.array(z.unknown()),
  Outputs: z.array(z.unknown()),
  TacticName: z.string(),
  TacticValue: Tactic,
  Metadata: z.string(),
  Weights: z.looseObject({ Type: z.string().optional(), Count: z.number().optional() }),
});

const ProfileInfoRecord = lenientRecord({
  MinShape: Dims,
  OptShape: Dims,
  MaxShape: Dims,
  Format: z.string(),
});

const IoTensorRecord = lenientRecord({
  Name: z.string(),
  IOMode: z.string(),
  DataType: z.string(),
  Datatype: z.string(),
  Dimensions: Dims,
  Location: z.string(),
  IsShapeInferenceIO: z.union([z.boolean(), z.number()]),
  ProfileInfo: z.array(z.unknown()),
});

function readTensor(value: unknown, where: string, warnings: Warnings): EngineTensor | undefined {
  const t = readRecord(TensorRecord, value, where, warnings);
  if (!t) return undefined;
  const out: EngineTensor = { name: t.Name ?? '' };
  if (t.Name === undefined) warnings.add(`${where} has no Name`);
  if (t.Dimensions) out.dims = t.Dimensions;
  const format = t.Format ?? t['Format/Datatype'];
  if (format !== undefined) out.format = format;
  const dtype = normalizeDtype(t.DataType ?? t.Datatype ?? t['Format/Datatype'] ?? t.Format);
  if (dtype !== undefined) out.dtype = dtype;
  if (t.Location !== undefined) out.location = t.Location;
  return out;
}

function readTensors(list: unknown[] | undefined, where: string, warnings: Warnings): EngineTensor[] {
  const out: EngineTensor[] = [];
  (list ?? []).forEach((v, i) => {
    const t = readTensor(v, `${where} ${i}`, warnings);
    if (t) out.push(t);
  });
  return out;
}

function makeLayer(
  index: number,
  name: string,
  raw: EngineLayer['raw'],
  fields: {
    type?: string;
    parameterType?: string;
    origin?: string;
    tacticName?: string;
    tacticValue?: string | number;
    metadata?: string;
    weights?: string;
    inputs?: EngineTensor[];
    outputs?: EngineTensor[];
  },
  warnings: Warnings,
): EngineLayer {
  const parsed = parseLayerName(name);
  for (const p of parsed.problems) warnings.add(`layer ${index} (${name}): ${p}`);
  const fromMetadata = parseMetadata(fields.metadata);
  const type = fields.type ?? 'Unknown';
  const inputs = fields.inputs ?? [];
  const outputs = fields.outputs ?? [];
  const layer: EngineLayer = {
    index,
    name,
    type,
    inputs,
    outputs,
    onnxNames: fromMetadata.length > 0 ? fromMetadata : parsed.names,
    onnxNamesFrom: fromMetadata.length > 0 ? 'metadata' : parsed.names.length > 0 ? 'name' : 'none',
    nameParts: parsed.names,
    ranges: parsed.ranges,
    isReformat: parsed.reformat !== undefined || fields.origin === 'REFORMAT',
    isForeign: parsed.foreign || /^myelin$/i.test(type),
    raw,
  };
  if (parsed.ranges[0]) layer.range = parsed.ranges[0];
  if (parsed.reformat) layer.reformat = parsed.reformat;
  if (parsed.profile !== undefined) layer.profile = parsed.profile;
  if (fields.parameterType !== undefined) layer.parameterType = fields.parameterType;
  if (fields.origin !== undefined) layer.origin = fields.origin;
  if (fields.metadata !== undefined) layer.metadata = fields.metadata;
  const weights = normalizeDtype(fields.weights);
  if (weights !== undefined) layer.weights = weights;
  const tacticValue = fields.tacticValue === undefined ? undefined : String(fields.tacticValue);
  if (tacticValue !== undefined) layer.tacticValue = tacticValue;
  const tactic = fields.tacticName || tacticValue;
  if (tactic) layer.tactic = tactic;
  const computed = layerPrecision({
    inputs,
    outputs,
    ...(weights !== undefined ? { weights } : {}),
    ...(fields.tacticName ? { tactic: fields.tacticName } : {}),
    names: [...new Set([...layer.onnxNames, ...parsed.names])],
    isReformat: layer.isReformat,
  });
  if (computed) {
    layer.precision = computed.precision;
    layer.precisionFrom = computed.from;
  }
  return layer;
}

type TensorStyle = '10' | '11' | undefined;

/** Which schema the layer tensors use: `Format/Datatype` (≤10.x) or `Format` + `DataType` (11.x). */
function tensorStyle(layers: readonly unknown[]): TensorStyle {
  let old = 0;
  let split = 0;
  for (const layer of layers) {
    if (!isRecord(layer)) continue;
    for (const key of ['Inputs', 'Outputs']) {
      const list = layer[key];
      if (!Array.isArray(list)) continue;
      for (const t of list) {
        if (!isRecord(t)) continue;
        if ('Format/Datatype' in t) old++;
        else if ('DataType' in t || 'Datatype' in t || 'Format' in t) split++;
      }
    }
    if (old + split >= 16) break;
  }
  if (old === 0 && split === 0) return undefined;
  return old >= split ? '10' : '11';
}

function readIoTensors11(list: unknown[], warnings: Warnings): IoTensor[] {
  const out: IoTensor[] = [];
  list.forEach((v, i) => {
    const t = readRecord(IoTensorRecord, v, `I/O tensor ${i}`, warnings);
    if (!t) return;
    if (t.Name === undefined) warnings.add(`I/O tensor ${i} has no Name`);
    const io: IoTensor = { name: t.Name ?? '' };
    if (t.IOMode !== undefined) io.mode = t.IOMode.toLowerCase().replace(/^k/, '');
    const dtype = normalizeDtype(t.DataType ?? t.Datatype);
    if (dtype !== undefined) io.dtype = dtype;
    if (t.Dimensions) io.dims = t.Dimensions;
    if (t.Location !== undefined) io.location = t.Location;
    if (t.IsShapeInferenceIO !== undefined) io.isShapeIO = Boolean(t.IsShapeInferenceIO);
    if (t.ProfileInfo) {
      io.profiles = [];
      t.ProfileInfo.forEach((p, j) => {
        const r = readRecord(ProfileInfoRecord, p, `I/O tensor ${i} profile ${j}`, warnings);
        if (!r) return;
        const profile: NonNullable<IoTensor['profiles']>[number] = {};
        if (r.MinShape) profile.min = r.MinShape;
        if (r.OptShape) profile.opt = r.OptShape;
        if (r.MaxShape) profile.max = r.MaxShape;
        if (r.Format !== undefined) profile.format = r.Format;
        io.profiles?.push(profile);
      });
    }
    out.push(io);
  });
  return out;
}

/** 10.x Bindings are bare names; fill mode, type and shape in from the layers that use them. */
function readBindings10(list: unknown[], layers: readonly EngineLayer[], warnings: Warnings): IoTensor[] {
  const produced = new Map<string, EngineTensor>();
  const consumed = new Map<string, EngineTensor>();
  for (const layer of layers) {
    for (const t of layer.outputs) if (!produced.has(t.name)) produced.set(t.name, t);
    for (const t of layer.inputs) if (!consumed.has(t.name)) consumed.set(t.name, t);
  }
  const out: IoTensor[] = [];
  list.forEach((v, i) => {
    if (typeof v !== 'string') {
      warnings.add(`binding ${i} is ${describeJson(v)}, not a name; skipped`);
      return;
    }
    const io: IoTensor = { name: v };
    const p = produced.get(v);
    const c = consumed.get(v);
    if (p) io.mode = 'output';
    else if (c) io.mode = 'input';
    const t = p ?? c;
    if (t?.dtype !== undefined) io.dtype = t.dtype;
    if (t?.dims) io.dims = t.dims;
    if (t?.location !== undefined) io.location = t.location;
    out.push(io);
  });
  return out;
}

/**
 * A reformat layer without Metadata of its own takes the ONNX names of the layer it serves when that
 * layer has Metadata (its name may omit nodes, e.g. a BatchNormalization folded into a Conv).
 */
function inheritReformatTargets(layers: EngineLayer[]): void {
  const byName = new Map<string, EngineLayer>();
  for (const l of layers) if (!byName.has(l.name)) byName.set(l.name, l);
  for (const l of layers) {
    if (!l.reformat || l.onnxNamesFrom === 'metadata') continue;
    const targetName = l.profile === undefined ? l.reformat.target : `${l.reformat.target} [profile ${l.profile}]`;
    const target = byName.get(targetName) ?? byName.get(l.reformat.target);
    if (target?.onnxNamesFrom === 'metadata') {
      l.onnxNames = [...target.onnxNames];
      l.onnxNamesFrom = 'metadata';
    }
  }
}

const VERSION_KEYS = /^(?:tensorrt[ _-]?version|trt[ _-]?version|tensorrt|version)$/i;

/**
 * Which TensorRT wrote a layer-information file. trtexec's files do not say: the schema does (11.x
 * has "I/O Tensors"; 8.x to 10.x all write "Bindings", and types only 10.x has, INT4 and FP4, narrow
 * it). A version the file carries (a tool that adds one) wins.
 */
function writtenBy(root: Record<string, unknown>, schema: LayerInfoSchema, layers: EngineLayer[]): string | undefined {
  for (const [key, value] of Object.entries(root)) {
    if (!VERSION_KEYS.test(key)) continue;
    const v = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (/^\d+(?:\.\d+){0,3}$/.test(v)) return v;
  }
  if (schema === '11') return '11.x';
  if (schema !== '10') return undefined;
  const tenOnly = layers.some((l) =>
    [l.weights, ...l.inputs.map((t) => t.dtype), ...l.outputs.map((t) => t.dtype)].some(
      (d) => d === 'INT4' || d === 'FP4' || d === 'E8M0',
    ),
  );
  return tenOnly ? '10.x' : '8.x or 10.x';
}

export function looksLikeSingleLayer(v: Record<string, unknown>): boolean {
  return typeof v.Name === 'string' && ('LayerType' in v || 'Inputs' in v || 'Outputs' in v);
}

/**
 * Reads IEngineInspector / `trtexec --exportLayerInfo` JSON (already parsed). Never throws: what
 * cannot be read is skipped and named in `warnings`.
 */
export function parseLayerInfo(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineLayerInfo {
  const warnings = new Warnings(notes.warnings);
  const partial = notes.partial;
  const result = (schema: LayerInfoSchema, layers: EngineLayer[], ioTensors: IoTensor[]): EngineLayerInfo => {
    const tensorrt = writtenBy(isRecord(json) ? json : {}, schema, layers);
    return {
      kind: 'layer-info',
      fileName,
      schema,
      ...(tensorrt ? { tensorrt } : {}),
      layers,
      ioTensors,
      truncated: notes.truncated ?? false,
      warnings: warnings.done(),
    };
  };

  if (!isRecord(json)) {
    warnings.add(`${fileName} is ${describeJson(json)}, not a layer-information object; nothing imported`);
    return result('unknown', [], []);
  }
  let root = json;
  if (!('Layers' in root) && looksLikeSingleLayer(root)) {
    warnings.add('this is one layer (IEngineInspector::getLayerInformation), not the whole engine');
    root = { Layers: [root] };
  }
  const layersRaw = root.Layers;
  if (!Array.isArray(layersRaw)) {
    warnings.add(
      layersRaw === undefined
        ? `no "Layers" list${notes.truncated ? ' (the file ends before it)' : ''}; no layers imported`
        : `"Layers" is ${describeJson(layersRaw)}, not a list; no layers imported`,
    );
  }
  const rawLayers: unknown[] = Array.isArray(layersRaw) ? layersRaw : [];
  if (notes.truncated && partial?.has(rawLayers)) {
    warnings.add(`the file is cut off after ${rawLayers.length} layers; later layers are missing`);
  } else if (notes.truncated) {
    warnings.add('the file is cut off; fields after the layer list are missing');
  }

  const strings = rawLayers.filter((l) => typeof l === 'string').length;
  const namesOnly = rawLayers.length > 0 && strings === rawLayers.length;
  if (strings > 0 && !namesOnly) warnings.add(`${strings} of ${rawLayers.length} layers are bare names among objects`);

  const layers: EngineLayer[] = [];
  rawLayers.forEach((raw, index) => {
    if (typeof raw === 'string') {
      layers.push(makeLayer(index, raw, raw, {}, warnings));
      return;
    }
    const where = `layer ${index}`;
    const l = readRecord(LayerRecord, raw, where, warnings);
    if (!l) return;
    const name = l.Name ?? '';
    if (l.Name === undefined) warnings.add(`${where} has no Name`);
    const fields: Parameters<typeof makeLayer>[3] = {
      inputs: readTensors(l.Inputs, `${where} (${name}) input`, warnings),
      outputs: readTensors(l.Outputs, `${where} (${name}) output`, warnings),
    };
    if (l.LayerType !== undefined) fields.type = l.LayerType;
    else if (!partial?.has(raw as object)) warnings.add(`${where} (${name}) has no LayerType`);
    if (l.ParameterType !== undefined) fields.parameterType = l.ParameterType;
    if (l.Origin !== undefined) fields.origin = l.Origin;
    if (l.TacticName !== undefined) fields.tacticName = l.TacticName;
    if (l.TacticValue !== undefined) fields.tacticValue = l.TacticValue;
    if (l.Metadata !== undefined) fields.metadata = l.Metadata;
    if (l.Weights?.Type !== undefined) fields.weights = l.Weights.Type;
    const layer = makeLayer(index, name, raw as Record<string, unknown>, fields, warnings);
    if (partial?.has(raw as object)) {
      layer.incomplete = true;
      warnings.add(`layer ${index} (${name || 'unnamed'}) is cut off; its fields may be incomplete`);
    }
    layers.push(layer);
  });

  inheritReformatTargets(layers);

  const profiles = new Set(layers.map((l) => l.profile ?? 0));
  if (profiles.size > 1) {
    warnings.add(
      `the engine has ${profiles.size} optimization profiles; every layer appears once per profile (see EngineLayer.profile)`,
    );
  }

  const bindings = root.Bindings;
  const io = root['I/O Tensors'];
  const hasBindings = Array.isArray(bindings);
  const hasIo = Array.isArray(io);
  if (bindings !== undefined && !hasBindings) warnings.add(`"Bindings" is ${describeJson(bindings)}, not a list`);
  if (io !== undefined && !hasIo) warnings.add(`"I/O Tensors" is ${describeJson(io)}, not a list`);

  let schema: LayerInfoSchema;
  const style = tensorStyle(rawLayers);
  if (namesOnly) schema = 'names-only';
  else if (hasIo && hasBindings) {
    schema = style ?? '11';
    warnings.add(`both "Bindings" (10.x) and "I/O Tensors" (11.x) are present; read as ${schema}.x`);
  } else if (hasIo) {
    schema = '11';
    if (style === '10') warnings.add('"I/O Tensors" (11.x) with 10.x "Format/Datatype" tensors; read as 11.x');
  } else if (hasBindings) {
    schema = '10';
    if (style === '11') warnings.add('"Bindings" (10.x) with 11.x "Format"/"DataType" tensors; read as 10.x');
  } else if (style !== undefined) {
    schema = style;
    if (!notes.truncated) {
      warnings.add(
        style === '10'
          ? 'no "Bindings" list (TensorRT before 8.4 wrote none); I/O tensors unknown'
          : 'no "I/O Tensors" list; I/O tensors unknown',
      );
    }
  } else {
    schema = 'unknown';
    if (rawLayers.length > 0) {
      warnings.add(
        'unrecognized layer-information version: no Bindings, no I/O Tensors and no known tensor fields; read names only',
      );
    }
  }

  let ioTensors: IoTensor[] = [];
  if (hasIo) ioTensors = readIoTensors11(io, warnings);
  else if (hasBindings) ioTensors = readBindings10(bindings, layers, warnings);
  return result(schema, layers, ioTensors);
}
