/**
 * A small DSL for building ONNX models in tests and benchmarks, on Kiln's own model types and
 * encoder (electron/core/onnx). Values are deterministic: weights come from a seeded generator.
 */
import { rng } from '../../electron/core/inputs/generate';
import { ATTR } from '../../electron/core/onnx/model';
import type {
  AttributeProto,
  Dimension,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from '../../electron/core/onnx/model';

/** TensorProto.DataType numbers used by the builders. */
export const DT = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 } as const;

/** Kiln's seeded generator (mulberry32), so every generated model is the same on every run. */
export const seeded = rng;

export type DimSpec = number | string | null;

export function tensorType(elemType: number, dims: DimSpec[] | null): TypeProto {
  const shape: Dimension[] | null =
    dims === null ? null : dims.map((d) => (typeof d === 'number' ? { value: d } : d === null ? {} : { param: d }));
  return { kind: 'tensor', elemType, shape, denotation: '' };
}

export function valueInfo(name: string, elemType: number, dims: DimSpec[] | null): ValueInfoProto {
  return { name, type: tensorType(elemType, dims), docString: '' };
}

/** A tensor holding these values in raw_data (little-endian, as ONNX stores them). */
export function tensor(
  name: string,
  dataType: number,
  dims: number[],
  values: ArrayLike<number | bigint>,
): TensorProto {
  let bytes: Uint8Array;
  if (dataType === DT.float32) bytes = new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
  else if (dataType === DT.int64)
    bytes = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
  else if (dataType === DT.int32) bytes = new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
  else if (dataType === DT.float64) bytes = new Uint8Array(Float64Array.from(values as ArrayLike<number>).buffer);
  else if (dataType === DT.uint8 || dataType === DT.int8 || dataType === DT.bool)
    bytes = Uint8Array.from(values as ArrayLike<number>, (v) => v & 0xff);
  else throw new Error(`builder: no encoding for data type ${dataType}`);
  return { name, dataType, dims, data: { kind: 'bytes', bytes }, externalData: [], docString: '' };
}

export type AttrInput =
  | number
  | string
  | number[]
  | string[]
  | TensorProto
  | GraphProto
  | GraphProto[]
  | { float: number }
  | { floats: number[] };

export function attr(name: string, v: AttrInput): AttributeProto {
  const a: AttributeProto = { name, type: 0, refAttrName: '', docString: '' };
  if (typeof v === 'number')
    Object.assign(a, Number.isInteger(v) ? { type: ATTR.INT, i: v } : { type: ATTR.FLOAT, f: v });
  else if (typeof v === 'string') Object.assign(a, { type: ATTR.STRING, s: new TextEncoder().encode(v) });
  else if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'object') Object.assign(a, { type: ATTR.GRAPHS, graphs: v as GraphProto[] });
    else if (v.some((x) => typeof x === 'string'))
      Object.assign(a, { type: ATTR.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) });
    else Object.assign(a, { type: ATTR.INTS, ints: v as number[] });
  } else if ('float' in v) Object.assign(a, { type: ATTR.FLOAT, f: v.float });
  else if ('floats' in v) Object.assign(a, { type: ATTR.FLOATS, floats: v.floats });
  else if ('dataType' in v) Object.assign(a, { type: ATTR.TENSOR, t: v });
  else Object.assign(a, { type: ATTR.GRAPH, g: v });
  return a;
}

/** Builds one graph: nodes get exporter-style names from the current scope. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name = 'main_graph') {}

  input(name: string, elemType: number, dims: DimSpec[] | null): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: DimSpec[] | null): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  init(name: string, dataType: number, dims: number[], values: ArrayLike<number | bigint>): string {
    this.initializers.push(tensor(name, dataType, dims, values));
    return name;
  }

  /** Adds a node; returns its first output name. `name` like "/encoder/layer.0/attention/MatMul". */
  node(
    op: string,
    inputs: string[],
    opts: { name?: string; outputs?: string[] | number; attrs?: Record<string, AttrInput>; domain?: string } = {},
  ): string {
    const id = this.counter++;
    const name = opts.name ?? `${op}_${id}`;
    const outputs =
      typeof opts.outputs === 'number'
        ? Array.from({ length: opts.outputs }, (_, i) => `${name}_output_${i}`)
        : (opts.outputs ?? [`${name}_output_0`]);
    this.nodes.push({
      input: inputs,
      output: outputs,
      name,
      opType: op,
      domain: opts.domain ?? '',
      overload: '',
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attr(k, v)),
      docString: '',
    });
    return outputs[0] as string;
  }

  graph(): GraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      sparseInitializer: [],
      docString: '',
      input: this.inputs,
      output: this.outputs,
      valueInfo: [],
    };
  }
}

export function model(
  graph: GraphProto,
  opts: {
    irVersion?: number;
    opset?: number;
    opsets?: { domain: string; version: number }[];
    functions?: FunctionProto[];
    producer?: string;
  } = {},
): ModelProto {
  return {
    irVersion: opts.irVersion ?? 8,
    opsetImport: opts.opsets ?? [{ domain: '', version: opts.opset ?? 17 }],
    producerName: opts.producer ?? 'kiln-test-builders',
    producerVersion: '1',
    domain: '',
    modelVersion: 0,
    docString: '',
    graph,
    metadataProps: [],
    functions: opts.functions ?? [],
  };
}

/** Seeded normal-ish floats (sum of uniforms), scaled. */
export function randomFloats(rand: () => number, n: number, scale = 0.1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() + rand() + rand() - 1.5) * scale;
  return out;
}
