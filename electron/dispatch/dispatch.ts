/**
 * The call handler every front door uses: answers the few calls that need no model work right
 * away, resolves where a model comes from, and sends everything else to the engine host as a job.
 */
import { variantPath } from '../platform/paths';
import { readVariantName, renameVariant } from '../platform/variant-names';
import * as path from 'node:path';
import type { ModelSource } from '../shared/api/sources';
import type { AppInfo } from '../shared/api/app-info';
import type { Method, ParsedRequestOf } from '../shared/api/contract';
import { KilnError } from '../shared/api/errors';
import type { CallHandler } from '../shared/api/router';
import { assertNever } from '../shared/api/router';
import { KILN_VERSION } from '../platform/version';
import type { HostSupervisor } from './supervisor';

export interface ResolvedSource {
  path: string;
  /** The name a user knows the file by (never a server temp path). */
  displayName: string;
  /** A browser-mode upload whose bytes are still on their way (serve/uploads.ts `begin`). */
  arriving?: { partPath: string; bytes: number };
}

export interface DispatchOptions {
  supervisor: HostSupervisor;
  transport: AppInfo['transport'];
  maxUploadBytes: number | null;
  /** Browser mode maps upload ids to the temp files it wrote; elsewhere uploads do not exist. */
  resolveUpload?: (uploadId: string) => ResolvedSource | undefined;
  /**
   * Browser mode: resolves once an upload of this id is begun (or after a while, or on `signal`);
   * the main graph of an upload the page named itself may be asked for before its request is heard.
   */
  awaitUpload?: (uploadId: string, signal: AbortSignal) => Promise<void>;
}

export function createCallHandler(options: DispatchOptions): CallHandler {
  /**
   * Where a source's file is. An upload still arriving is taken only where `arriving` says the job
   * reads files as they arrive (the main graph); anything else on it is refused until it is in.
   */
  const locate = (source: ModelSource, arriving: boolean): ResolvedSource => {
    if (source.kind === 'path') return { path: path.resolve(source.path), displayName: path.basename(source.path) };
    if (source.kind === 'variant') {
      const file = variantPath(source.variantId);
      // The name it was made with or given (comparisons, profiles and errors say it), else its id.
      return {
        path: file,
        displayName: readVariantName(source.variantId) ?? `variant ${source.variantId.slice(17)}.onnx`,
      };
    }
    const resolved = options.resolveUpload?.(source.uploadId);
    if (!resolved)
      throw new KilnError('FILE_NOT_FOUND', `no uploaded file with id ${source.uploadId} (it may have expired)`);
    const { path: file, displayName } = resolved;
    if (!resolved.arriving) return { path: file, displayName };
    if (!arriving)
      throw new KilnError('UNAVAILABLE', `${displayName} is still being uploaded; try again once it is in`, {
        file: displayName,
      });
    return { path: file, displayName, arriving: { ...resolved.arriving } };
  };
  const resolveSource = (source: ModelSource): ResolvedSource => locate(source, false);

  return async (method: Method, params: unknown, run) => {
    switch (method) {
      case 'app.info':
        return {
          name: 'kiln',
          version: KILN_VERSION,
          platform: `${process.platform}-${process.arch}`,
          transport: options.transport,
          maxUploadBytes: options.maxUploadBytes,
        } satisfies AppInfo;
      case 'model.open': {
        const { source } = params as ParsedRequestOf<'model.open'>;
        return options.supervisor.run('model.open', resolveSource(source), run);
      }
      case 'model.graph': {
        const { source, graph, shapes } = params as ParsedRequestOf<'model.graph'>;
        const mainGraph = (graph ?? 0) === 0 && shapes !== true;
        if (mainGraph && source.kind === 'upload' && options.awaitUpload) {
          await options.awaitUpload(source.uploadId, run.signal);
          if (run.signal.aborted) throw new KilnError('CANCELLED', 'Reading the graph was cancelled');
        }
        return options.supervisor.run(
          'model.graph',
          { ...locate(source, mainGraph), graph: graph ?? 0, shapes: shapes ?? false },
          run,
        );
      }
      case 'model.node': {
        const { source, node, graph } = params as ParsedRequestOf<'model.node'>;
        return options.supervisor.run('model.node', { ...resolveSource(source), node, graph: graph ?? 0 }, run);
      }
      case 'model.check': {
        const { source, trt, minor } = params as ParsedRequestOf<'model.check'>;
        return options.supervisor.run(
          'model.check',
          { ...resolveSource(source), trt, ...(minor === undefined ? {} : { minor }) },
          run,
        );
      }
      case 'model.diff': {
        const { a, b } = params as ParsedRequestOf<'model.diff'>;
        return options.supervisor.run('model.diff', { a: resolveSource(a), b: resolveSource(b) }, run);
      }
      case 'engine.import': {
        const { source, files } = params as ParsedRequestOf<'engine.import'>;
        return options.supervisor.run(
          'engine.import',
          { ...resolveSource(source), files: files.map(resolveSource) },
          run,
        );
      }
      case 'engine.diff': {
        const { source, imports } = params as ParsedRequestOf<'engine.diff'>;
        return options.supervisor.run(
          'engine.diff',
          { ...resolveSource(source), imports: imports.map((files) => files.map(resolveSource)) },
          run,
        );
      }
      case 'engine.trust': {
        const { engine, confirm } = params as ParsedRequestOf<'engine.trust'>;
        return options.supervisor.run('engine.trust', { ...resolveSource(engine), confirm }, run);
      }
      case 'variant.make': {
        const { source, recipe } = params as ParsedRequestOf<'variant.make'>;
        const calibrationPaths =
          recipe.precision === 'int8' ? recipe.calibrationFiles.map((f) => resolveSource(f).path) : [];
        return options.supervisor.run('variant.make', { ...resolveSource(source), recipe, calibrationPaths }, run);
      }
      case 'variant.rename': {
        const { variantId, name } = params as ParsedRequestOf<'variant.rename'>;
        return renameVariant(variantId, name);
      }
      case 'model.compare': {
        const { source, variants, inputs, ...options2 } = params as ParsedRequestOf<'model.compare'>;
        const resolved = variants.map((id) => ({ id, ...resolveSource({ kind: 'variant', variantId: id }) }));
        return options.supervisor.run(
          'model.compare',
          {
            ...resolveSource(source),
            variants: resolved,
            inputPaths: inputs.map((f) => resolveSource(f).path),
            ...options2,
          },
          run,
        );
      }
      case 'model.export': {
        const { source, ...rest } = params as ParsedRequestOf<'model.export'>;
        return options.supervisor.run('model.export', { ...resolveSource(source), ...rest }, run);
      }
      case 'variant.search': {
        const { source, inputs, ...rest } = params as ParsedRequestOf<'variant.search'>;
        const calibrationPaths =
          rest.base.precision === 'int8' ? rest.base.calibrationFiles.map((f) => resolveSource(f).path) : [];
        return options.supervisor.run(
          'variant.search',
          {
            ...resolveSource(source),
            ...rest,
            inputPaths: inputs.map((f) => resolveSource(f).path),
            calibrationPaths,
          },
          run,
        );
      }
      case 'model.build': {
        const { source, options: build } = params as ParsedRequestOf<'model.build'>;
        return options.supervisor.run('model.build', { ...resolveSource(source), build }, run);
      }
      case 'model.profile': {
        const { source, build, profile } = params as ParsedRequestOf<'model.profile'>;
        const { inputs, ...rest } = profile;
        const withInputs = inputs ? { ...rest, inputFile: resolveSource(inputs).path } : rest;
        return options.supervisor.run('model.profile', { ...resolveSource(source), build, profile: withInputs }, run);
      }
      case 'model.edit': {
        const { source, edits, trt, inputs } = params as ParsedRequestOf<'model.edit'>;
        return options.supervisor.run(
          'model.edit',
          { ...resolveSource(source), edits, trt, inputPaths: inputs.map((f) => resolveSource(f).path) },
          run,
        );
      }
      case 'model.fix': {
        const { source, trt, shapes, inputs } = params as ParsedRequestOf<'model.fix'>;
        return options.supervisor.run(
          'model.fix',
          { ...resolveSource(source), trt, shapes, inputPaths: inputs.map((f) => resolveSource(f).path) },
          run,
        );
      }
      case 'native.probe':
        return options.supervisor.run('native.probe', {}, run);
      case 'host.diagnose':
        return options.supervisor.run('host.diagnose', params, run);
      default:
        return assertNever(method);
    }
  };
}
