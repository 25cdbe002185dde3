/**
 * Handing a file Kiln made to the user, whichever front door the renderer sits behind: in browser
 * mode a link to the server's download route (the browser streams it to disk; a folder comes as a
 * .zip), in the desktop app the main process's Save as… and Show in folder.
 */
import { BROWSER_MODE, type MadeFileTarget } from '../../../electron/shared/api/bridge';
import { bridge, token } from './transport';

/** Browser mode: the URL that downloads `target` (`name`: what to call a variant's file). */
export function downloadHref(target: MadeFileTarget, name?: string): string {
  const q = new URLSearchParams({ token: token() });
  if ('variant' in target) q.set('variant', target.variant);
  else q.set('export', target.exported);
  if (name) q.set('name', name);
  return `${BROWSER_MODE.downloadPath}?${q.toString()}`;
}

/** The desktop app's Save as… / Show in folder, when this renderer has them. */
export function desktopFiles() {
  const kiln = bridge();
  return kiln?.saveMadeFile && kiln.showMadeFile
    ? { save: kiln.saveMadeFile.bind(kiln), show: kiln.showMadeFile.bind(kiln) }
    : null;
}
