/**
 * Model surgery on the selected node, in the graph's inspector: remove it, extract the subgraph from
 * here to there (its inputs as the start, another node's outputs as the end), mark an output tensor
 * as a graph output, rename the node or a tensor, replace it with a plugin op. Each makes a new
 * version; a refused edit's reason shows under the action that asked for it.
 */
import { useState, type ReactNode } from 'react';
import type { Edit } from '../../../electron/shared/api/edits';
import { describeNode, type TensorInfo } from '../graph/inspect';
import { useGraphStore } from '../graph/store';
import { ActionError } from './ActionError';
import { useEdits } from './store';
import './edit.css';

const names = (ts: readonly (TensorInfo | null)[], keep: (t: TensorInfo) => boolean) =>
  ts.filter((t): t is TensorInfo => t !== null && t.name !== '' && keep(t)).map((t) => t.name);
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function Row({ children }: { children: ReactNode }) {
  return <div className="edit-row">{children}</div>;
}

/** Mount with `key={node}`: the forms start empty for each node selected. */
export function NodeActions({ node }: { node: number }) {
  const model = useGraphStore((s) => s.model);
  const { edit, runningKey, extract, setExtract } = useEdits();
  const [renameWhat, setRenameWhat] = useState('node');
  const [renameTo, setRenameTo] = useState('');
  const [output, setOutput] = useState('');
  const [pluginOp, setPluginOp] = useState('');
  const [pluginDomain, setPluginDomain] = useState('trt.plugins');
  const [problem, setProblem] = useState<Record<string, string>>({});
  if (!model || node >= model.N) return null;
  const info = describeNode(model, node);
  const outputs = names(info.outputs, () => true);
  const busy = runningKey !== null;
  const run = (key: string, edits: Edit[] | string) => {
    if (typeof edits === 'string') {
      setProblem({ [key]: edits });
      return;
    }
    setProblem({});
    void edit(key, edits);
  };
  const say = (key: string) =>
    problem[key] ? (
      <p className="edit-error" role="alert" data-testid={`edit-error-${key}`}>
        {problem[key]}
      </p>
    ) : (
      <ActionError id={key} />
    );
  const unnamed = info.name === '';
  const renameFrom = renameWhat === 'node' ? info.name : renameWhat.slice('tensor:'.length);

  return (
    <section className="edit-actions" data-testid="node-actions" aria-label="Edit the model at this node">
      <h4>Edit (makes a new version)</h4>
      {unnamed && <p className="kg-muted">This node has no name: edits that name nodes cannot reach it.</p>}
      <Row>
        <button
          type="button"
          disabled={busy || unnamed}
          title="Remove this node; its first input takes the place of its first output (their shapes must match)"
          onClick={() => run('node:remove', [{ kind: 'remove', nodes: [info.name] }])}
        >
          Remove node
        </button>
      </Row>
      {say('node:remove')}

      <Row>
        <button
          type="button"
          disabled={busy}
          title="Start the subgraph at this node's inputs"
          onClick={() => setExtract({ ...extract, inputs: names(info.inputs, (t) => t.kind !== 'initializer') })}
        >
          Extract from here
        </button>
        <button
          type="button"
          disabled={busy}
          title="End the subgraph at this node's outputs"
          onClick={() => setExtract({ ...extract, outputs })}
        >
          …to here
        </button>
      </Row>
      {(extract.inputs.length > 0 || extract.outputs.length > 0) && (
        <form
          className="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            run(
              'node:extract',
              extract.inputs.length === 0 || extract.outputs.length === 0
                ? 'choose both ends: "Extract from here" on the first node, "…to here" on the last'
                : [{ kind: 'extract', inputs: extract.inputs, outputs: extract.outputs }],
            );
          }}
        >
          <label>
            <span>From tensors</span>
            <input
              aria-label="Extract from tensors"
              value={extract.inputs.join(', ')}
              onChange={(e) => setExtract({ ...extract, inputs: list(e.target.value) })}
            />
          </label>
          <label>
            <span>To tensors</span>
            <input
              aria-label="Extract to tensors"
              value={extract.outputs.join(', ')}
              onChange={(e) => setExtract({ ...extract, outputs: list(e.target.value) })}
            />
          </label>
          <button type="submit" disabled={busy}>
            Extract subgraph
          </button>
        </form>
      )}
      {say('node:extract')}

      {outputs.length > 0 && (
        <form
          className="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            run('node:outputs', [{ kind: 'addOutputs', tensors: [output || outputs[0]!] }]);
          }}
        >
          <select
            aria-label="Tensor to mark as output"
            value={output || outputs[0]}
            onChange={(e) => setOutput(e.target.value)}
          >
            {outputs.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <button type="submit" disabled={busy} title="Make this tensor a graph output too">
            Mark as output
          </button>
        </form>
      )}
      {say('node:outputs')}

      <form
        className="edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          const to = renameTo.trim();
          run(
            'node:rename',
            !renameFrom
              ? 'this node has no name to rename'
              : !to
                ? 'give the new name'
                : [{ kind: 'rename', what: renameWhat === 'node' ? 'node' : 'tensor', from: renameFrom, to }],
          );
        }}
      >
        <select aria-label="What to rename" value={renameWhat} onChange={(e) => setRenameWhat(e.target.value)}>
          <option value="node">node {info.name}</option>
          {names([...info.inputs, ...info.outputs], (t) => t.kind !== 'initializer').map((t) => (
            <option key={t} value={`tensor:${t}`}>
              tensor {t}
            </option>
          ))}
        </select>
        <input
          aria-label="New name"
          placeholder="new name"
          value={renameTo}
          onChange={(e) => setRenameTo(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Rename
        </button>
      </form>
      {say('node:rename')}

      <form
        className="edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          const op = pluginOp.trim();
          run(
            'node:plugin',
            unnamed
              ? 'this node has no name to replace'
              : !op
                ? 'give the plugin op a name (the name its TensorRT plugin registers)'
                : [{ kind: 'plugin', nodes: [info.name], op, domain: pluginDomain.trim() || 'trt.plugins' }],
          );
        }}
      >
        <input
          aria-label="Plugin op"
          placeholder="plugin op, e.g. MyPlugin"
          value={pluginOp}
          onChange={(e) => setPluginOp(e.target.value)}
        />
        <input aria-label="Plugin domain" value={pluginDomain} onChange={(e) => setPluginDomain(e.target.value)} />
        <button type="submit" disabled={busy} title="Replace this node with a custom-domain op (its attributes kept)">
          Replace with plugin op
        </button>
      </form>
      {say('node:plugin')}
    </section>
  );
}
