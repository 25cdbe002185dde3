/** `npm run serve`: Kiln in browser mode. Prints the URL (with its one-time token) and runs until stopped. */
import { parseArgs } from 'node:util';
import { startServer } from './server';

const USAGE = `Usage: npm run serve -- [--port N] [--host ADDR] [--token T] [--max-upload-mb N]

  --port           port to listen on (default 4317; 0 picks a free one)
  --host           address to bind (default 127.0.0.1; binding another address exposes Kiln to that network)
  --token          API token (default: a new random token each start)
  --max-upload-mb  largest model that can be uploaded (default 4096)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4317' },
        host: { type: 'string', default: '127.0.0.1' },
        token: { type: 'string' },
        'max-upload-mb': { type: 'string', default: '4096' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const maxMb = Number(values['max-upload-mb']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
    process.exit(2);
  }
  if (!Number.isFinite(maxMb) || maxMb <= 0) {
    console.error(`--max-upload-mb must be a positive number, not "${values['max-upload-mb']}"`);
    process.exit(2);
  }
  if (values.token !== undefined && values.token.length < 8) {
    console.error('--token must be at least 8 characters');
    process.exit(2);
  }
  const server = await startServer({
    host: values.host,
    port,
    ...(values.token !== undefined ? { token: values.token } : {}),
    maxUploadBytes: Math.round(maxMb * 1024 * 1024),
    log: (line) => console.error(`[kiln] ${line}`),
  }).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port` : err.message;
    console.error(`Kiln could not start: ${why}`);
    process.exit(1);
  });
  if (!['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    console.error(
      `[kiln] warning: listening on ${values.host}; anyone who can reach it and has the token can use Kiln`,
    );
  }
  console.log(`Kiln is running at ${server.url}`);
  // However serve ends (even on a crash), the uploaded models go with it.
  process.on('exit', () => server.uploads.dispose());
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
