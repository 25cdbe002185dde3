/**
 * The way out for a file Kiln made (a variant, an export): "Download" in browser mode, where the file
 * is on the server; "Save as…" and "Show in folder" in the desktop app, where it is on this machine.
 */
import { useState } from 'react';
import type { MadeFileTarget } from '../../../electron/shared/api/bridge';
import { desktopFiles, downloadHref } from '../api/made-files';
import { errorShape } from '../api/error-shape';

export function MadeFileLinks({
  target,
  name,
  what,
  testId,
}: {
  target: MadeFileTarget;
  /** The file name to save as (a folder's is given .zip). */
  name: string;
  /** What the link hands over, for its label and tooltip ("the variant", "the repository as a .zip"). */
  what: string;
  testId?: string;
}) {
  const desktop = desktopFiles();
  const [said, setSaid] = useState<string | null>(null);
  if (!desktop) {
    return (
      <a
        className="made-link"
        href={downloadHref(target, name)}
        download={name}
        data-testid={testId}
        title={`Download ${what} from the Kiln server`}
      >
        Download {name}
      </a>
    );
  }
  const run = (work: () => Promise<unknown>) =>
    work().then(
      (r) => setSaid(typeof r === 'string' ? `Saved to ${r}` : null),
      (err: unknown) => setSaid(`Could not: ${errorShape(err).message}`),
    );
  return (
    <span className="made-links" data-testid={testId}>
      <button
        type="button"
        className="ghost"
        title={`Save a copy of ${what}`}
        onClick={() => void run(() => desktop.save(target, name))}
      >
        Save as…
      </button>
      <button
        type="button"
        className="ghost"
        title={`Show ${what} in its folder`}
        onClick={() => void run(() => desktop.show(target))}
      >
        Show in folder
      </button>
      {said && <span className="muted">{said}</span>}
    </span>
  );
}
