/** A failure, said plainly, naming the file; dismissible, and the app stays usable. */
import { useApp } from '../state/app';

export function ErrorBanner() {
  const error = useApp((s) => s.error);
  const dismiss = useApp((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error">
      <div>
        <strong>{error.file ? `Could not open ${error.file}` : 'Something went wrong'}</strong>
        <div className="error-message">{error.message}</div>
        <div className="muted mono">{error.code}</div>
      </div>
      <button className="ghost" onClick={dismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
