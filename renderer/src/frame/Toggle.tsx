/** A labelled checkbox on one line, with a tooltip that says what it does. */
import type { ReactNode } from 'react';

export function Toggle({
  checked,
  onChange,
  label,
  title,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The accessible name (tests and screen readers). */
  label: string;
  title?: string;
  children: ReactNode;
}) {
  return (
    <label className="inline" title={title}>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-label={label} />
      {children}
    </label>
  );
}
