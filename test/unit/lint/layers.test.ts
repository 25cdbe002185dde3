/**
 * The layer rules in test/eslint.config.mjs really fire: one planted leak per rule (linted as if it
 * were a file in that folder) must fail with the expected rule, and one allowed import per layer
 * must pass, so no rule is a blanket ban. A two-file cycle is written under test/.tmp/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..', '..');
const config = 'test/eslint.config.mjs';
const eslint = new ESLint({ cwd: root, overrideConfigFile: config });

/** A probe importing a file that has moved would pass vacuously (unresolved imports are skipped): catch that. */
function expectRelativeImportsExist(file: string, code: string): void {
  for (const [, spec] of code.matchAll(/from '(\.[^']*)'/g)) {
    const base = path.resolve(root, path.dirname(file), spec as string);
    const found = ['.ts', '.tsx', '.js'].some((ext) => fs.existsSync(base + ext));
    expect(found, `${file} imports ${spec}, which does not exist`).toBe(true);
  }
}

/** Lints `code` as if it were the file `file` (from the repo root); returns the rules that reported errors. */
async function errorsOf(file: string, code: string): Promise<string[]> {
  expectRelativeImportsExist(file, code);
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const messages = result?.messages ?? [];
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? 'fatal');
}

const PATHS = 'import-x/no-restricted-paths';
const NAMES = 'no-restricted-imports';
const CALLS = 'no-restricted-syntax';
const GLOBALS = 'no-restricted-globals';

// [what, file it is linted as, code, the rule that must fire]
const leaks: Array<[string, string, string, string]> = [
  [
    'shared importing node:fs',
    'electron/shared/probe.ts',
    "import * as fs from 'node:fs';\nexport const x = fs;",
    NAMES,
  ],
  [
    'shared importing a bare builtin',
    'electron/shared/api/probe.ts',
    "import * as os from 'os';\nexport const x = os;",
    NAMES,
  ],
  ['shared using a Node global', 'electron/shared/probe.ts', 'export const x = process.env.HOME;', GLOBALS],
  ['renderer using a Node global', 'renderer/src/probe.ts', "export const x = Buffer.from('');", GLOBALS],
  [
    'shared importing core',
    'electron/shared/api/probe.ts',
    "import { summarize } from '../../core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    'platform importing a package',
    'electron/platform/probe.ts',
    "import { z } from 'zod';\nexport const x = z;",
    NAMES,
  ],
  [
    'platform importing core',
    'electron/platform/probe.ts',
    "import { summarize } from '../core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    "core importing 'electron'",
    'electron/core/onnx/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    NAMES,
  ],
  [
    "core importing 'electron' dynamically",
    'electron/core/onnx/probe.ts',
    "export const x = () => import('electron');",
    CALLS,
  ],
  ["core requiring 'electron'", 'electron/core/native/probe.js', "module.exports = require('electron');", CALLS],
  [
    'core importing dispatch',
    'electron/core/onnx/probe.ts',
    "import { HostSupervisor } from '../../dispatch/supervisor';\nexport const x = HostSupervisor;",
    PATHS,
  ],
  [
    'core importing the renderer',
    'electron/core/onnx/probe.ts',
    "import { App } from '../../../renderer/src/App';\nexport const x = App;",
    PATHS,
  ],
  [
    "host importing 'electron'",
    'electron/host/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    NAMES,
  ],
  [
    'host importing dispatch',
    'electron/host/probe.ts',
    "import { HostSupervisor } from '../dispatch/supervisor';\nexport const x = HostSupervisor;",
    PATHS,
  ],
  [
    'dispatch importing core',
    'electron/dispatch/probe.ts',
    "import { summarize } from '../core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    'dispatch importing host',
    'electron/dispatch/probe.ts',
    "import { jobs } from '../host/jobs';\nexport const x = jobs;",
    PATHS,
  ],
  [
    'dispatch importing onnxruntime-node',
    'electron/dispatch/probe.ts',
    "import * as ort from 'onnxruntime-node';\nexport const x = ort;",
    NAMES,
  ],
  [
    'main importing core',
    'electron/main/probe.ts',
    "import { summarize } from '../core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    'main importing onnxruntime-node',
    'electron/main/probe.ts',
    "import * as ort from 'onnxruntime-node';\nexport const x = ort;",
    NAMES,
  ],
  [
    'preload importing sharp',
    'electron/preload/probe.ts',
    "import sharp from 'sharp';\nexport const x = sharp;",
    NAMES,
  ],
  [
    'serve importing core',
    'electron/serve/probe.ts',
    "import { summarize } from '../core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    "serve importing 'electron'",
    'electron/serve/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    NAMES,
  ],
  [
    'cli importing main',
    'electron/cli/probe.ts',
    "import { createWindow } from '../main/window';\nexport const x = createWindow;",
    PATHS,
  ],
  [
    "cli importing 'electron'",
    'electron/cli/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    NAMES,
  ],
  [
    'renderer importing core',
    'renderer/src/probe.ts',
    "import { summarize } from '../../electron/core/onnx/summary';\nexport const x = summarize;",
    PATHS,
  ],
  [
    'renderer importing dispatch (type only)',
    'renderer/src/probe.ts',
    "import type { HostChannel } from '../../electron/dispatch/supervisor';\nexport type X = HostChannel;",
    PATHS,
  ],
  [
    'renderer importing node:fs',
    'renderer/src/probe.ts',
    "import * as fs from 'node:fs';\nexport const x = fs;",
    NAMES,
  ],
  [
    'renderer importing a bare builtin',
    'renderer/src/probe.ts',
    "import * as fs from 'fs';\nexport const x = fs;",
    NAMES,
  ],
];

// [layer, file it is linted as, code that layer may write]
const allowed: Array<[string, string, string]> = [
  [
    'shared',
    'electron/shared/api/probe.ts',
    "import { z } from 'zod';\nimport { KilnError } from './errors';\nimport { errorMetrics } from '../compare/metrics';\nexport const x = [z, KilnError, errorMetrics];",
  ],
  [
    'platform',
    'electron/platform/probe.ts',
    "import * as fs from 'node:fs';\nimport * as os from 'os';\nimport { KilnError } from '../shared/api/errors';\nimport { KILN_VERSION } from './version';\nexport const x = [fs, os, KilnError, KILN_VERSION];",
  ],
  [
    'core',
    'electron/core/onnx/probe.ts',
    "import * as fs from 'node:fs';\nimport * as ort from 'onnxruntime-node';\nimport { KilnError } from '../../shared/api/errors';\nimport { variantPath } from '../../platform/paths';\nimport { summarize } from './summary';\nexport const x = [fs, ort, KilnError, variantPath, summarize];",
  ],
  [
    'host',
    'electron/host/probe.ts',
    "import { z } from 'zod';\nimport { summarizeModel } from '../core/onnx/analyze';\nimport { KilnError } from '../shared/api/errors';\nimport { variantPath } from '../platform/paths';\nexport const x = [z, summarizeModel, KilnError, variantPath];",
  ],
  [
    'dispatch',
    'electron/dispatch/probe.ts',
    "import * as cp from 'node:child_process';\nimport { KilnError } from '../shared/api/errors';\nimport { KILN_VERSION } from '../platform/version';\nimport { HostSupervisor } from './supervisor';\nexport const x = [cp, KilnError, KILN_VERSION, HostSupervisor];",
  ],
  [
    'main',
    'electron/main/probe.ts',
    "import { app } from 'electron';\nimport { HostSupervisor } from '../dispatch/supervisor';\nimport { KilnError } from '../shared/api/errors';\nimport { variantPath } from '../platform/paths';\nexport const x = [app, HostSupervisor, KilnError, variantPath];",
  ],
  [
    'preload',
    'electron/preload/probe.ts',
    "import { contextBridge } from 'electron';\nimport { KilnError } from '../shared/api/errors';\nexport const x = [contextBridge, KilnError];",
  ],
  [
    'serve',
    'electron/serve/probe.ts',
    "import { WebSocketServer } from 'ws';\nimport { HostSupervisor } from '../dispatch/supervisor';\nimport { KilnError } from '../shared/api/errors';\nexport const x = [WebSocketServer, HostSupervisor, KilnError];",
  ],
  [
    'cli',
    'electron/cli/probe.ts',
    "import { summarizeModel } from '../core/onnx/analyze';\nimport { HostSupervisor } from '../dispatch/supervisor';\nimport { startServer } from '../serve/server';\nexport const x = [summarizeModel, HostSupervisor, startServer];",
  ],
  [
    'renderer',
    'renderer/src/probe.ts',
    "import { useState } from 'react';\nimport { create } from 'zustand';\nimport { KilnError } from '../../electron/shared/api/errors';\nimport { App } from './App';\nexport const x = [useState, create, KilnError, App];",
  ],
];

describe('layer rules: each planted leak fails lint with its rule', () => {
  it.each(leaks)('%s', async (_what, file, code, rule) => {
    expect(await errorsOf(file, code)).toContain(rule);
  });
});

describe('layer rules: what each layer may import passes', () => {
  it.each(allowed)('%s', async (_layer, file, code) => {
    expect(await errorsOf(file, code)).toEqual([]);
  });
});

describe('import cycles', () => {
  // test/.tmp/ is in the config's ignores (scratch space), so this instance lints it anyway.
  const unignored = new ESLint({ cwd: root, overrideConfigFile: config, ignore: false });
  const dir = path.join(root, 'test', '.tmp', `lint-cycle-${process.pid}`);
  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b();\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => a();\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "import type { d } from './d';\nexport const c = (x: d) => x;\n");
    fs.writeFileSync(
      path.join(dir, 'd.ts'),
      "import { c } from './c';\nexport type d = number;\nexport const e = c;\n",
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a two-file cycle fails lint with import-x/no-cycle', async () => {
    const [result] = await unignored.lintFiles([path.join(dir, 'a.ts')]);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });

  it('a cycle closed only by a type-only import is not one', async () => {
    const results = await unignored.lintFiles([path.join(dir, 'c.ts'), path.join(dir, 'd.ts')]);
    expect(results.flatMap((r) => r.messages)).toEqual([]);
  });
});
