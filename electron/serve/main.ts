/** `npm run serve`: Kiln in browser mode. Prints the URL (with its one-time token) and runs until stopped. */
import { parseArgs } from 'node:util';
import { isLoopback, isWildcard, parseAllowHosts } from './allowed-hosts';
import { startServer } from './server';

const USAGE = `Usage: npm run serve -- [--port N] [--host ADDR] [--allow-host NAME[,NAME]] [--token T] [--max-upload-mb N]

  --port           port to listen on (default 4317; 0 picks a free one)
  --host           address to bind (default 127.0.0.1; binding another address exposes Kiln to that network)
  --allow-host     names other machines use to reach this one (host names or IP addresses, repeatable);
                   requests addressed to any other name are refused. The token is still required.
  --token          API token (default: a new random token each start)
  --max-upload-mb  largest model that can be uploaded (default 4096)`;

async function main(): Promise<void> {
  let values;
  let allowHosts: string[];
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4317' },
        host: { type: 'string', default: '127.0.0.1' },
        'allow-host': { type: 'string', multiple: true, default: [] },
        token: { type: 'string' },
        'max-upload-mb': { type: 'string', default: '4096' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
    allowHosts = parseAllowHosts(values['allow-host']);
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
    allowHosts,
    ...(values.token !== undefined ? { token: values.token } : {}),
    maxUploadBytes: Math.round(maxMb * 1024 * 1024),
    log: (line) => console.error(`[kiln] ${line}`),
  }).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port` : err.message;
    console.error(`Kiln could not start: ${why}`);
    process.exit(1);
  });
  if (!isLoopback(values.host)) {
    console.error(
      `[kiln] warning: listening on ${values.host}; anyone who can reach it and has the token can use Kiln`,
    );
    if (isWildcard(values.host) && allowHosts.length === 0)
      console.error(
        '[kiln] only local names are accepted; add --allow-host NAME (the name other machines use for this one) to open Kiln from them',
      );
  }
  // The host that reads models starts now, so the first open does not wait for it.
  server.supervisor.startInteractive();
  console.log(`Kiln is running at ${server.url}`);
  for (const url of server.remoteUrls) console.log(`From other machines: ${url}`);
  // However serve ends (even on a crash), the uploaded models go with it.
  process.on('exit', () => server.uploads.dispose());
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
