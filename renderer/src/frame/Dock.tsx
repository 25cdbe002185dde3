/** The panel under the graph: analyses of the open model, one tab each, closed until asked for. */
import { useState, type ReactNode } from 'react';

export interface DockTab {
  id: string;
  label: string;
  render: () => ReactNode;
}

export function Dock({ tabs }: { tabs: DockTab[] }) {
  const [active, setActive] = useState<string | null>(null);
  const tab = tabs.find((t) => t.id === active);
  return (
    <div className={`dock ${tab ? 'open' : ''}`} data-testid="dock">
      <div className="dock-tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={t.id === active}
            className={t.id === active ? 'active' : ''}
            onClick={() => setActive(t.id === active ? null : t.id)}
          >
            {t.label}
          </button>
        ))}
        {tab && (
          <button className="ghost dock-close" aria-label="Close panel" onClick={() => setActive(null)}>
            ▾
          </button>
        )}
      </div>
      {tab && (
        <div className="dock-body" role="tabpanel">
          {tab.render()}
        </div>
      )}
    </div>
  );
}
