/** The bottom line: how Kiln is connected, what the engine host is doing, and what TensorRT this machine has. */
import { useApp } from '../state/app';
import { JobsStatus } from './JobsStatus';

export function StatusBar() {
  const link = useApp((s) => s.link);
  const client = useApp((s) => s.client);
  const probe = useApp((s) => s.probe);
  const transport = client?.transportKind === 'ipc' ? 'Desktop' : 'Browser mode';
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`dot ${link}`} aria-hidden />
      <span>
        {transport} ·{' '}
        {link === 'open' ? 'connected' : link === 'connecting' ? 'connecting…' : 'connection lost — reconnecting'}
      </span>
      <span className="sep" />
      <JobsStatus />
      <span className="grow" />
      <span
        className="probe"
        data-testid="trt-status"
        title={probe?.searched.map((s) => `${s.library} in ${s.path}: ${s.result}`).join('\n')}
      >
        {probe ? probe.summary : 'TensorRT: checking…'}
      </span>
    </footer>
  );
}
