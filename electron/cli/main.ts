/**
 * The command line: `npx kiln <command>`. Every command goes through the same API contract and
 * engine host as the app, so the CLI and the UI can never disagree.
 */
import { parseArgs } from 'node:util';
import type { ApiClient } from '../api/client';
import type { ModelSummary } from '../api/contract';
import { directClient } from '../api/direct';
import { KilnError } from '../api/errors';
import { createCallHandler } from '../host/dispatch';
import { forkSpawner } from '../host/fork-spawner';
import { HostSupervisor } from '../host/supervisor';
import { formatSummary } from './format';

const USAGE = `Usage: kiln <command> [options]

Commands:
  inspect <model.onnx> [--json] [--nodes]   summary of a model: inputs, outputs, ops, parameters
  probe [--json]                            look for TensorRT and CUDA on this machine
  serve [--port N] [--host ADDR]            start browser mode (same as npm run serve)

Exit codes: 0 success, 1 the model or machine failed a check, 2 wrong usage.`;

class UsageError extends Error {}

async function withClient<T>(fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const supervisor = new HostSupervisor(forkSpawner());
  try {
    return await fn(directClient(createCallHandler({ supervisor, transport: 'cli', maxUploadBytes: null })));
  } finally {
    supervisor.dispose();
  }
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, nodes: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one model file');
  const summary: ModelSummary = await withClient((c) =>
    c.call('model.open', { source: { kind: 'path', path: positionals[0] as string } }),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(formatSummary(summary));
  return 0;
}

async function probe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const result = await withClient((c) => c.call('native.probe', {}));
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`${result.summary}\n`);
    for (const s of result.searched) process.stdout.write(`  ${s.library} in ${s.path}: ${s.result}\n`);
  }
  return result.tensorrt.found ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect':
      return inspect(rest);
    case 'probe':
      return probe(rest);
    case 'serve':
      process.argv = [process.argv[0] as string, 'serve', ...rest];
      await import('../serve/main');
      return new Promise<number>(() => {}); // runs until stopped
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kiln: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    const message =
      err instanceof KilnError
        ? `${err.message}${err.file && !err.message.includes(err.file) ? ` (${err.file})` : ''}`
        : String(err);
    process.stderr.write(`kiln: ${message}\n`);
    process.exit(1);
  },
);
