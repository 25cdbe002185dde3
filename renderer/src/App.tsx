/**
 * The frame: top bar, left panel (the model summary), main view (drop zone, then the graph with
 * its inspector), status bar. Files come in by drop, the Open button or the sample.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DragEvent, ReactNode } from 'react';
import { bridge, createClient } from './api/transport';
import { useApp } from './state/app';
import { EmptyState } from './frame/EmptyState';
import { ErrorBanner } from './frame/ErrorBanner';
import { JobBar } from './frame/JobBar';
import { StatusBar } from './frame/StatusBar';
import { SummaryView } from './frame/SummaryView';
import { TopBar } from './frame/TopBar';
import { openFile, openWithDialog } from './frame/open';
import { GraphView } from './graph/GraphView';
import { Dock } from './frame/Dock';
import { ProfilePanel } from './profile/ProfilePanel';
import { CompatibilityPanel } from './trt/CompatibilityPanel';
import { EnginePanel } from './trt/EnginePanel';
import { PrecisionPanel } from './precision/PrecisionPanel';
import { ComparePanel } from './compare/ComparePanel';
import { DiffLauncher } from './diff/DiffLauncher';
import { DiffView } from './diff/DiffView';
import { useDiff } from './diff/store';
import { startWarmLayoutWorkerWhenIdle } from './graph/layout-client';
import { NodeActions } from './edit/NodeActions';
import { VersionsList } from './edit/VersionsList';

function useTheme() {
  const theme = useApp((s) => s.theme);
  useEffect(() => {
    const media = matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      const resolved = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
      document.documentElement.setAttribute('data-theme', resolved);
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

/** The layout worker for the first graph starts, and warms up, while the page waits for a model. */
function useWarmLayoutWorker() {
  useEffect(() => startWarmLayoutWorkerWhenIdle(), []);
}

function useConnection() {
  useEffect(() => {
    const { setClient, setLink, setProbe, client: existing } = useApp.getState();
    if (existing) return; // StrictMode runs effects twice in development
    const client = createClient(setLink);
    setClient(client);
    client.call('native.probe', {}).then(setProbe, (err: unknown) =>
      setProbe({
        addon: { loaded: false, path: null, error: String(err) },
        tensorrt: { found: false, version: null, library: null, parser: null },
        cuda: { found: false, runtimeVersion: null, driverVersion: null, devices: [], library: null },
        searched: [],
        summary: `TensorRT: unknown — the probe failed: ${err instanceof Error ? err.message : String(err)}`,
      }),
    );
  }, []);
}

/** Electron: files chosen from the app menu arrive as paths. */
function useMenuOpen() {
  useEffect(
    () =>
      bridge()?.onOpenPath?.(
        (path) => void useApp.getState().open({ kind: 'path', path }, path.split(/[\\/]/).pop() ?? path),
      ),
    [],
  );
}

export function App() {
  useTheme();
  useConnection();
  useWarmLayoutWorker();
  useMenuOpen();
  const summary = useApp((s) => s.summary);
  const graph = useApp((s) => s.graph);
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const subgraphs = useApp((s) => s.subgraphs);
  const openSubgraph = useApp((s) => s.openSubgraph);
  const closeSubgraphs = useApp((s) => s.closeSubgraphs);
  const shown = subgraphs[subgraphs.length - 1];
  const loadNodeDetails = useCallback(
    (node: number) => {
      if (!client || !source) return Promise.reject(new Error('no model is open'));
      return client.call('model.node', { source, node, ...(shown ? { graph: shown.id } : {}) });
    },
    [client, source, shown],
  );
  const graphError = useApp((s) => s.graphError);
  const diffing = useDiff((s) => s.a !== null);
  const opened = useApp((s) => s.opened);
  // A model opened since closes the diff of the one before.
  useEffect(() => useDiff.getState().close(), [opened]);
  const job = useApp((s) => s.job);
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onOpen = () => void openWithDialog(inputRef.current);
  const withSummary = (panel: ReactNode) =>
    summary ? (
      panel
    ) : (
      <div className="summary-pending" data-testid="summary-pending">
        Reading the model…
      </div>
    );
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) openFile(file);
  };

  return (
    <div className="app">
      <TopBar onOpen={onOpen} />
      <input
        ref={inputRef}
        type="file"
        accept=".onnx"
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) openFile(file);
          e.target.value = '';
        }}
      />
      <div className="body">
        {(summary || graph) && (
          <aside className="leftpanel">
            <VersionsList />
            {summary ? (
              <SummaryView summary={summary} />
            ) : (
              <div className="summary-pending" data-testid="summary-pending">
                Reading the model…
              </div>
            )}
          </aside>
        )}
        <main
          className={`main ${dragging ? 'dragging' : ''}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <ErrorBanner />
          <JobBar />
          {!summary && !graph ? (
            <EmptyState onOpen={onOpen} />
          ) : diffing ? (
            <DiffView />
          ) : graph ? (
            <>
              <DiffLauncher />
              {subgraphs.length > 0 && (
                <nav className="crumbs" aria-label="Subgraph path" data-testid="crumbs">
                  <button className="kg-link" onClick={() => closeSubgraphs(0)}>
                    {summary?.graphName || 'main graph'}
                  </button>
                  {subgraphs.map((g, i) => (
                    <span key={g.id}>
                      {' › '}
                      {i === subgraphs.length - 1 ? (
                        <strong>{g.label}</strong>
                      ) : (
                        <button className="kg-link" onClick={() => closeSubgraphs(i + 1)}>
                          {g.label}
                        </button>
                      )}
                    </span>
                  ))}
                </nav>
              )}
              <GraphView
                key={`${opened}:${shown?.id ?? 0}`}
                payload={shown?.payload ?? graph}
                graphName={shown?.label ?? (summary ? summary.graphName || summary.fileName : 'graph')}
                loadNodeDetails={loadNodeDetails}
                onOpenSubgraph={(id, label) => void openSubgraph(id, label)}
                // Edits reach the main graph's nodes (a subgraph's are not named by the edits).
                nodeActions={shown ? undefined : (node) => <NodeActions key={node} node={node} />}
              />
            </>
          ) : (
            <div className="placeholder">
              {graphError ? `The graph cannot be drawn: ${graphError}` : job ? 'Laying out the graph…' : ''}
            </div>
          )}
          {(summary || graph) && (
            // The dock stays while a new model's summary is on its way (its open tab with it); the
            // tabs need the summary, and say it is coming.
            <Dock
              tabs={[
                { id: 'trt', label: 'TensorRT readiness', render: () => withSummary(<CompatibilityPanel />) },
                { id: 'precision', label: 'Precision', render: () => withSummary(<PrecisionPanel />) },
                {
                  id: 'profile',
                  label: 'Build & profile',
                  render: () => withSummary(<ProfilePanel key={summary?.sha256} />),
                },
                { id: 'compare', label: 'Compare', render: () => withSummary(<ComparePanel key={summary?.sha256} />) },
                { id: 'engine', label: 'Engine', render: () => withSummary(<EnginePanel />) },
              ]}
            />
          )}
          {dragging && <div className="drop-overlay">Drop to open</div>}
        </main>
      </div>
      <StatusBar />
    </div>
  );
}
