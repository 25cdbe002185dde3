/**
 * The button every fix is started with (an "Apply" beside a finding, "Make batch dynamic"): its
 * title, disabled while any edit runs, "Applying…" while its own does. Written once so that each
 * fix's button behaves alike; what it does and what shows under it are the caller's.
 */
import type { Fix } from './fixes';
import { useEdits } from './store';

export function FixButton({
  fix,
  testId,
  label,
  onClick,
}: {
  fix: Pick<Fix, 'key' | 'title' | 'label'>;
  testId: string;
  label?: string | undefined;
  onClick: () => void;
}) {
  const running = useEdits((s) => s.runningKey);
  return (
    <button type="button" title={fix.title} disabled={running !== null} data-testid={testId} onClick={onClick}>
      {running === fix.key ? 'Applying…' : (label ?? fix.label)}
    </button>
  );
}
