/** App name, the open model, Open, and the theme. */
import type { ThemeChoice } from '../state/app';
import { useApp } from '../state/app';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function TopBar({ onOpen }: { onOpen: () => void }) {
  const name = useApp((s) => s.summary?.fileName ?? s.modelName);
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  return (
    <header className="topbar">
      <span className="brand">
        <span className="brand-mark" aria-hidden />
        Kiln
      </span>
      <span className="model-name" data-testid="model-name" title={name ?? undefined}>
        {name ?? 'No model open'}
      </span>
      <span className="grow" />
      <button onClick={onOpen}>Open…</button>
      <button className="ghost" onClick={() => setTheme(NEXT[theme])} data-testid="theme">
        {LABEL[theme]}
      </button>
    </header>
  );
}
