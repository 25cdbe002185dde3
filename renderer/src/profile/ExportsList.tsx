/**
 * What the exports wrote, and where it went: the folder (on this machine in the desktop app, on the
 * Kiln server in browser mode), its files, the Triton config and the trtexec command line, with the
 * way out for each — a download in browser mode (a repository as a .zip), Save as… and Show in
 * folder on the desktop.
 */
import { desktopFiles } from '../api/made-files';
import { MadeFileLinks } from '../frame/MadeFileLinks';
import type { ExportResult } from './store';

const base = (p: string) => p.split(/[\\/]/).pop() ?? p;

export function ExportsList({ exports }: { exports: ExportResult[] }) {
  if (exports.length === 0) return null;
  const where = desktopFiles() ? 'written to' : 'written on the Kiln server to';
  return (
    <div className="exports" data-testid="exports">
      {exports.map((x, i) => (
        <details key={x.id} open={i === 0}>
          <summary>
            {x.label}: {where} <code data-testid="export-folder">{x.folder}</code>
          </summary>
          <div className="export-links">
            {x.target === 'triton' ? (
              <MadeFileLinks
                target={{ exported: x.folder }}
                name={`${base(x.folder)}.zip`}
                what="the Triton model folder as a .zip"
                testId="export-download"
              />
            ) : (
              x.files.map((f) => (
                <MadeFileLinks
                  key={f}
                  target={{ exported: f }}
                  name={base(f)}
                  what={base(f)}
                  testId="export-download"
                />
              ))
            )}
          </div>
          <ul>
            {x.files.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
          {x.config && <pre data-testid="triton-config">{x.config}</pre>}
          {x.trtexec && (
            <p>
              Same build with trtexec: <code data-testid="trtexec-command">{x.trtexec}</code>
            </p>
          )}
        </details>
      ))}
    </div>
  );
}
