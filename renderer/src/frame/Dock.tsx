/** The panel under the graph: analyses of the open model, one tab each, closed until asked for. */
import { useState, type ReactNode } from 'react';

export interface DockTab {
  id: string;
  label: string;
  render: () => ReactNode;
}

export function Dock({ tabs }: { tabs: DockTab[] }) {
  const [active, setActive] = useState<string | null>(null);
  // Tabs stay mounted once opened (hidden when not shown): their forms keep what the user typed.
  const [visited, setVisited] = useState<ReadonlySet<string>>(new Set());
  const tab = tabs.find((t) => t.id === active);
  const show = (id: string | null) => {
    setActive(id);
    if (id && !visited.has(id)) setVisited(new Set([...visited, id]));
  };
  return (
    <div className={`dock ${tab ? 'open' : ''}`} data-testid="dock">
      <div className="dock-tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={t.id === active}
            className={t.id === active ? 'active' : ''}
            onClick={() => show(t.id === active ? null : t.id)}
          >
            {t.label}
          </button>
        ))}
        {tab && (
          <button className="ghost dock-close" aria-label="Close panel" onClick={() => show(null)}>
            ▾
          </button>
        )}
      </div>
      {tabs
        .filter((t) => visited.has(t.id))
        .map((t) => (
          <div key={t.id} className="dock-body" role="tabpanel" hidden={t.id !== active}>
            {t.render()}
          </div>
        ))}
    </div>
  );
}
