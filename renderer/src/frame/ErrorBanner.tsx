/**
 * A failure, said plainly, naming the file; dismissible, and the app stays usable. The technical
 * detail an error carries (the decoder's own message) is kept, folded away under the plain words.
 */
import { useApp } from '../state/app';

export function ErrorBanner() {
  const error = useApp((s) => s.error);
  const dismiss = useApp((s) => s.dismissError);
  if (!error) return null;
  const detail = typeof error.details?.detail === 'string' ? error.details.detail : null;
  return (
    <div className="error-banner" role="alert" data-testid="error">
      <div>
        <strong>{error.file ? `Could not open ${error.file}` : 'Something went wrong'}</strong>
        <div className="error-message">{error.message}</div>
        {detail && (
          <details className="error-detail" data-testid="error-detail">
            <summary className="muted">Technical detail</summary>
            <div className="mono">{detail}</div>
          </details>
        )}
        <div className="muted mono">{error.code}</div>
      </div>
      <button className="ghost" onClick={dismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
