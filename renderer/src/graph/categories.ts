/**
 * Op categories: every ONNX op type maps to one, and each category has a colour per theme. The
 * colours are CSS variables (`--graph-cat-<name>`) with these values as fallbacks, so a theme can
 * override them.
 */

export const CATEGORIES = [
  'conv',
  'matmul',
  'norm',
  'activation',
  'elementwise',
  'shape',
  'control',
  'quant',
  'reduce',
  'pool',
  'constant',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

const BY_OP: Record<string, Category> = {};
function add(category: Category, ops: string): void {
  for (const op of ops.split(/\s+/)) if (op) BY_OP[op] = category;
}
add('conv', 'Conv ConvTranspose ConvInteger QLinearConv DeformConv FusedConv NhwcConv');
add(
  'matmul',
  'MatMul Gemm MatMulInteger QLinearMatMul Einsum FusedMatMul Attention MultiHeadAttention GroupQueryAttention ' +
    'QGemm DynamicQuantizeMatMul MatMulIntegerToFloat MatMulNBits',
);
add(
  'norm',
  'BatchNormalization LayerNormalization InstanceNormalization GroupNormalization LpNormalization ' +
    'MeanVarianceNormalization SimplifiedLayerNormalization SkipLayerNormalization RMSNormalization SkipSimplifiedLayerNormalization LRN',
);
add(
  'activation',
  'Relu LeakyRelu PRelu Sigmoid HardSigmoid Tanh Softmax LogSoftmax Gelu FastGelu BiasGelu QuickGelu Elu Selu Celu ' +
    'Softplus Softsign HardSwish Mish Swish Silu ThresholdedRelu Hardmax Clip Erf',
);
add(
  'elementwise',
  'Add Sub Mul Div Pow Sqrt Exp Log Abs Neg Reciprocal Floor Ceil Round Sign Sin Cos Tan Min Max Mean Sum Mod ' +
    'Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not Where BitShift IsNaN IsInf Cast CastLike BiasAdd',
);
add(
  'shape',
  'Reshape Transpose Flatten Squeeze Unsqueeze Concat Split Slice Gather GatherElements GatherND Scatter ScatterND ' +
    'ScatterElements Expand Tile Pad Shape Size Identity DepthToSpace SpaceToDepth Resize Upsample Range Trilu ' +
    'OneHot NonZero Compress ConstantOfShape CumSum TopK ArgMax ArgMin Unique EyeLike',
);
add(
  'control',
  'If Loop Scan SequenceConstruct SequenceAt SequenceInsert SequenceLength SplitToSequence ConcatFromSequence',
);
add(
  'quant',
  'QuantizeLinear DequantizeLinear DynamicQuantizeLinear QLinearAdd QLinearMul QLinearSigmoid QLinearLeakyRelu ' +
    'QLinearConcat QLinearAveragePool QLinearGlobalAveragePool',
);
add(
  'reduce',
  'ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare',
);
add('pool', 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool GlobalLpPool MaxUnpool RoiAlign MaxRoiPool');
add('constant', 'Constant');

/** The category of an op key: 'Conv', or 'com.microsoft:QLinearAdd' (the op type decides, not its domain). */
export function categoryOf(op: string): Category {
  return BY_OP[op] ?? BY_OP[op.slice(op.indexOf(':') + 1)] ?? 'other';
}

export const CATEGORY_LABEL: Record<Category, string> = {
  conv: 'Convolution',
  matmul: 'MatMul / Gemm',
  norm: 'Normalization',
  activation: 'Activation',
  elementwise: 'Elementwise',
  shape: 'Shape / reshape',
  control: 'Control flow',
  quant: 'Quantization',
  reduce: 'Reduction',
  pool: 'Pooling',
  constant: 'Constant',
  other: 'Other',
};

export type ThemeName = 'dark' | 'light';

/** Node fill colours per category; chosen so the op label (theme text colour) stays legible on them. */
const FILL: Record<ThemeName, Record<Category, string>> = {
  dark: {
    conv: '#1f4e79',
    matmul: '#5b3a8c',
    norm: '#2e6b4f',
    activation: '#8a5a14',
    elementwise: '#33526e',
    shape: '#5a5248',
    control: '#8c2f39',
    quant: '#6b5a1e',
    reduce: '#245a66',
    pool: '#2d5f8a',
    constant: '#33363b',
    other: '#454545',
  },
  light: {
    conv: '#c9def5',
    matmul: '#ddd0f2',
    norm: '#cfe9d9',
    activation: '#f6dfb8',
    elementwise: '#dbe6f3',
    shape: '#ece5da',
    control: '#f5c9ce',
    quant: '#efe4b5',
    reduce: '#c8e7ec',
    pool: '#cfe3f7',
    constant: '#f0f0f0',
    other: '#dedede',
  },
};

export interface GraphTheme {
  name: ThemeName;
  background: string;
  text: string;
  mutedText: string;
  nodeStroke: string;
  edge: string;
  edgeHighlightIn: string;
  edgeHighlightOut: string;
  selection: string;
  searchHit: string;
  groupFill: string;
  groupStroke: string;
  groupHeader: string;
  category: Record<Category, string>;
}

const BASE: Record<ThemeName, Omit<GraphTheme, 'category' | 'name'>> = {
  dark: {
    background: '#1b1d21',
    text: '#eef0f3',
    mutedText: '#a3a9b3',
    nodeStroke: '#0d0e10',
    edge: '#6f7782',
    edgeHighlightIn: '#4fb3ff',
    edgeHighlightOut: '#ffb547',
    selection: '#ffd166',
    searchHit: '#ff6ec7',
    groupFill: 'rgba(120,140,170,0.07)',
    groupStroke: '#566171',
    groupHeader: '#c4cad3',
  },
  light: {
    background: '#fbfbfc',
    text: '#15171a',
    mutedText: '#5b616b',
    nodeStroke: '#7b828c',
    edge: '#8d949e',
    edgeHighlightIn: '#0f6fd6',
    edgeHighlightOut: '#c26a00',
    selection: '#d18b00',
    searchHit: '#c2188a',
    groupFill: 'rgba(60,80,120,0.05)',
    groupStroke: '#a5adb8',
    groupHeader: '#3b424c',
  },
};

/** The theme, with any `--graph-*` CSS variables set on `el` taking precedence. */
export function readTheme(name: ThemeName, el?: Element | null): GraphTheme {
  const theme: GraphTheme = { name, ...BASE[name], category: { ...FILL[name] } };
  if (!el || typeof getComputedStyle !== 'function') return theme;
  const style = getComputedStyle(el);
  const pick = (v: string, fallback: string) => style.getPropertyValue(v).trim() || fallback;
  theme.background = pick('--graph-bg', pick('--bg', theme.background));
  theme.text = pick('--graph-text', pick('--fg', theme.text));
  for (const c of CATEGORIES) theme.category[c] = pick(`--graph-cat-${c}`, theme.category[c]);
  return theme;
}

/** 'dark' or 'light', from the document (data-theme / class) or the OS preference. */
export function detectTheme(el?: Element | null): ThemeName {
  const root = el?.closest('[data-theme]') ?? (typeof document !== 'undefined' ? document.documentElement : null);
  const attr = root?.getAttribute('data-theme');
  if (attr === 'light' || attr === 'dark') return attr;
  if (typeof matchMedia === 'function') return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  return 'dark';
}
