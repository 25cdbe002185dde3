/**
 * What a model file may hold before Kiln refuses to read it. Protobuf lets a few bytes stand for a
 * lot of memory (an empty message is 2 bytes and a decoded one ~200; a packed zero is 1 byte and a
 * decoded number 8), so a hostile file of a few MB could otherwise ask for gigabytes. Each limit is
 * far above what real models use, and is checked before (or while) the memory is taken.
 */

/** Subgraphs nested deeper than this are refused: real models nest a handful of levels. */
export const MAX_GRAPH_DEPTH = 256;

/** Types (sequence of map of optional ...) nested deeper than this are refused. */
export const MAX_TYPE_DEPTH = 64;

/**
 * Tensors and shapes with more dimensions than this are refused before their dims are decoded:
 * real models use a handful (TensorRT takes 8), and a hostile file can pack 50M dims in 50 MB.
 */
export const MAX_RANK = 1024;

/**
 * Messages decoded from one file (nodes, attributes, tensors, value infos, types, opsets, entries,
 * unknown fields kept verbatim, byte strings): a 1M-node graph with full value_info needs ~4M;
 * 8M empty nodes (16 MB of file) already take ~1.8 GB.
 */
export const MAX_MESSAGES = 2 ** 23;

/** Repeated scalar values decoded from one file (attribute ints and floats, node input and output names). */
export const MAX_REPEATED_VALUES = 2 ** 25;

/** A model that is valid protobuf but over one of these limits. */
export class ModelLimitError extends Error {}

export interface DecodeLimits {
  messages: number;
  repeatedValues: number;
}

/** Counts what one decode has materialised, and refuses the file once a limit is passed. */
export class DecodeBudget {
  private messages = 0;
  private values = 0;
  private readonly maxMessages: number;
  private readonly maxValues: number;

  constructor(limits: Partial<DecodeLimits> = {}) {
    this.maxMessages = limits.messages ?? MAX_MESSAGES;
    this.maxValues = limits.repeatedValues ?? MAX_REPEATED_VALUES;
  }

  /** One more message. */
  message(): void {
    if (++this.messages > this.maxMessages)
      throw new ModelLimitError(
        `it holds more than ${this.maxMessages} protobuf messages (nodes, attributes, tensors, value infos); Kiln reads at most that many`,
      );
  }

  /** `n` more repeated scalar values, counted before they are decoded. */
  repeated(n: number): void {
    this.values += n;
    if (this.values > this.maxValues)
      throw new ModelLimitError(
        `it holds more than ${this.maxValues} values in repeated fields (attribute lists, node inputs and outputs); Kiln reads at most that many`,
      );
  }
}
