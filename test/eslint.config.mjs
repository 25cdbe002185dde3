// Lint rules for the whole tree (run as `eslint --config test/eslint.config.mjs .`), including the
// layer rules: which folder may import what, and no import cycles. A leak across layers fails lint,
// and so `npm test`; test/unit/lint/layers.test.ts plants one of each to prove every rule fires.
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

const root = path.resolve(import.meta.dirname, '..');

// Import specifiers by name (packages and Node builtins), for ESLint's own no-restricted-imports:
// they need no resolving, so a rule holds even where a package is not installed. Regexes, not
// gitignore-style patterns: a pattern 'electron' would also match '../../electron/shared/...'.
const builtinNames = [...new Set(builtinModules.map((m) => m.split('/')[0]))].join('|');
const NODE_BUILTIN = `^(?:node:|(?:${builtinNames})(?:/|$))`;
const RELATIVE = String.raw`\.{1,2}(?:/|$)`;
const pkg = (...names) => `^(?:${names.join('|')})(?:/|$)`;

/**
 * Rules from [regex, why] pairs: no-restricted-imports for `import`/`export ... from`, and
 * no-restricted-syntax for `import('x')` and `require('x')`, which the first does not see. One block
 * per layer: a later block's options for a rule replace an earlier one's, they do not merge.
 */
const banned = (...bans) => {
  // esquery regex literals end at the first '/', so a '/' in the pattern is written \x2F.
  const literal = (regex) => `/${regex.replaceAll('/', String.raw`\x2F`)}/`;
  return {
    'no-restricted-imports': ['error', { patterns: bans.map(([regex, message]) => ({ regex, message })) }],
    'no-restricted-syntax': [
      'error',
      ...bans.flatMap(([regex, message]) => [
        { selector: `ImportExpression[source.value=${literal(regex)}]`, message },
        { selector: `CallExpression[callee.name="require"][arguments.0.value=${literal(regex)}]`, message },
      ]),
    ],
  };
};

// The layers: each folder of electron/ is one, and the renderer's source is another.
const SHARED = ['electron/shared/**/*.{ts,tsx,js,mjs,cjs}'];
const PLATFORM = ['electron/platform/**/*.{ts,tsx,js,mjs,cjs}'];
const CORE = ['electron/core/**/*.{ts,tsx,js,mjs,cjs}'];
const HOST = ['electron/host/**/*.{ts,tsx,js,mjs,cjs}'];
const DISPATCH = ['electron/dispatch/**/*.{ts,tsx,js,mjs,cjs}'];
const ELECTRON_SIDE = ['electron/main/**/*.{ts,tsx,js,mjs,cjs}', 'electron/preload/**/*.{ts,tsx,js,mjs,cjs}'];
const SERVE = ['electron/serve/**/*.{ts,tsx,js,mjs,cjs}'];
const CLI = ['electron/cli/**/*.{ts,tsx,js,mjs,cjs}'];
// renderer/vite.config.ts is build tooling that runs in Node, not the app: it is not in this layer.
const RENDERER = ['renderer/src/**/*.{ts,tsx,js,mjs,cjs}'];

/**
 * Where an import may land, by resolved file (import-x/no-restricted-paths). "May import only X" is
 * a zone over the whole repo with X excepted; "never Y" is a zone over Y. node_modules is excepted
 * wherever packages are allowed (the name rules below say which). Paths are from the repo root.
 */
const zones = [
  {
    target: 'electron/shared',
    from: '.',
    except: ['electron/shared', 'node_modules/zod'],
    message: 'electron/shared is pure: it may import only electron/shared/ and zod.',
  },
  {
    target: 'electron/platform',
    from: '.',
    except: ['electron/platform', 'electron/shared'],
    message: 'electron/platform may import only electron/shared/ and Node builtins.',
  },
  {
    target: 'electron/core',
    from: '.',
    except: ['electron/core', 'electron/shared', 'electron/platform', 'node_modules'],
    message:
      'electron/core is the domain: it may import core, shared, platform and packages, never a process or front door.',
  },
  {
    target: 'electron/host',
    from: '.',
    except: ['electron/host', 'electron/core', 'electron/shared', 'electron/platform', 'node_modules'],
    message: 'electron/host may import core, shared and platform (never main, preload, serve, cli or dispatch).',
  },
  {
    target: 'electron/dispatch',
    from: '.',
    except: ['electron/dispatch', 'electron/shared', 'electron/platform', 'node_modules'],
    message:
      'electron/dispatch may import shared and platform; it starts host/main.js by path, never imports core or host.',
  },
  {
    target: ['electron/main', 'electron/preload'],
    from: '.',
    except: [
      'electron/main',
      'electron/preload',
      'electron/dispatch',
      'electron/shared',
      'electron/platform',
      'node_modules',
    ],
    message: 'The Electron side may import shared, platform and dispatch; the engine host does the work.',
  },
  {
    target: 'electron/serve',
    from: '.',
    except: ['electron/serve', 'electron/dispatch', 'electron/shared', 'electron/platform', 'node_modules'],
    message: 'electron/serve may import shared, platform and dispatch; the engine host does the work.',
  },
  {
    target: 'electron/cli',
    from: '.',
    except: ['electron', 'node_modules'],
    message: 'The CLI may import anything under electron/ (except main and preload).',
  },
  {
    target: 'electron/cli',
    from: ['electron/main', 'electron/preload'],
    message: 'The CLI runs without Electron: never electron/main or electron/preload.',
  },
  {
    target: 'renderer/src',
    from: '.',
    except: ['renderer', 'electron/shared', 'node_modules'],
    message: 'The renderer may import only renderer/ and electron/shared/.',
  },
];

// Name rules per layer: [regex, why].
const noNodeBuiltins = [NODE_BUILTIN, 'No Node builtins here: this code must run without Node.'];
const noElectron = [pkg('electron'), "Only electron/main and electron/preload may import 'electron'."];
const noHeavy = [
  pkg('onnxruntime-node', 'sharp'),
  'onnxruntime-node and sharp load in the engine host only (through electron/core).',
];

// Node's own globals: code that must run without Node (shared, renderer) may not lean on them either.
// (The DOM in shared is caught by the root tsconfig, which has no DOM lib.)
const noNodeGlobals = [
  'error',
  ...['process', 'Buffer', 'global', '__dirname', '__filename', 'require', 'module', 'setImmediate'].map((name) => ({
    name,
    message: 'A Node global: this code must run without Node.',
  })),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'native/build/**',
      'test-results/**',
      'playwright-report/**',
      'test/.tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // Layers by resolved path, and no cycles between files (import-x/no-cycle skips type-only imports).
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] })],
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },

  // Layers by import name: packages and Node builtins.
  { files: [...SHARED, ...RENDERER], rules: { 'no-restricted-globals': noNodeGlobals } },
  {
    files: SHARED,
    rules: banned([
      `^(?!${RELATIVE}|zod(?:/|$))`,
      'electron/shared is pure: it may import only electron/shared/ and zod (no Node builtins, no electron, no other package).',
    ]),
  },
  {
    files: PLATFORM,
    rules: banned([
      `^(?!${RELATIVE}|${NODE_BUILTIN.slice(1)})`,
      'electron/platform may import only electron/shared/ and Node builtins (no packages).',
    ]),
  },
  { files: CORE, rules: banned(noElectron) },
  { files: HOST, rules: banned(noElectron) },
  { files: DISPATCH, rules: banned(noElectron, noHeavy) },
  { files: ELECTRON_SIDE, rules: banned(noHeavy) },
  { files: SERVE, rules: banned(noElectron, noHeavy) },
  { files: CLI, rules: banned(noElectron) },
  {
    files: RENDERER,
    rules: banned(noNodeBuiltins, noElectron, [
      pkg('onnxruntime-node', 'sharp', 'ws'),
      'Node-only packages never reach the renderer: it talks to the engine host through electron/shared/api.',
    ]),
  },
);
