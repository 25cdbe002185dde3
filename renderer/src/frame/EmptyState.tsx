/** What a new user sees: where to drop a model, and two ways to open one. */
import { useApp } from '../state/app';
import { bridge } from '../api/transport';
import { ago } from './format';
import { openSample } from './open';

export function EmptyState({ onOpen }: { onOpen: () => void }) {
  const recent = useApp((s) => s.recent);
  const open = useApp((s) => s.open);
  const electron = Boolean(bridge());
  return (
    <div className="empty">
      <div className="empty-card">
        <div className="empty-icon" aria-hidden>
          ⬇
        </div>
        <h1>Drop an ONNX model here</h1>
        <p className="muted">Kiln shows its graph, what TensorRT can take, and how fast each precision runs.</p>
        <div className="empty-actions">
          <button className="primary" onClick={onOpen}>
            Open…
          </button>
          <button onClick={() => void openSample()}>Open sample model</button>
        </div>
        {recent.length > 0 && (
          <div className="recent">
            <h3>Recent</h3>
            <ul>
              {recent.map((r) => (
                <li key={`${r.path ?? ''}${r.name}${r.openedAt}`}>
                  {r.path && electron ? (
                    <button
                      className="link"
                      onClick={() => void open({ kind: 'path', path: r.path as string }, r.name)}
                      title={r.path}
                    >
                      {r.name}
                    </button>
                  ) : (
                    <span title="Uploaded in browser mode: drop the file again to reopen it">{r.name}</span>
                  )}
                  <span className="muted"> · {ago(r.openedAt)}</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
