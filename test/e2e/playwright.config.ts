import * as path from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from '../chromium-args.cjs';

// The real UI in Debian's Chromium, against browser mode (`serve`) started from the build.
const PORT = Number(process.env.KILN_E2E_PORT ?? 4317);
export const E2E_TOKEN = 'e2e-token-1234567890';

export default defineConfig({
  testDir: '.',
  timeout: 60_000,
  workers: 1,
  // Under CI a stray test.only is an error, not a run of one test that reports success.
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: '../../test-results/playwright',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        ...CHROMIUM_ARGS,
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `node dist/electron/serve/main.js --port ${PORT} --token ${E2E_TOKEN}`,
    cwd: '../..',
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    // TensorRT through Kiln's fake plugin (built by npm run build:native); caches and exports stay in test-results.
    env: {
      ...(process.env as Record<string, string>),
      KILN_TRT_PLUGIN: path.resolve(__dirname, '../../native/build/Release/libkiln_trt_fake.so'),
      KILN_CACHE_DIR: path.resolve(__dirname, '../../test-results/e2e-cache/builds'),
      KILN_VARIANTS_DIR: path.resolve(__dirname, '../../test-results/e2e-cache/variants'),
      KILN_EXPORT_DIR: path.resolve(__dirname, '../../test-results/e2e-exports'),
    },
    timeout: 30_000,
    // Stopped as a user stops it (the default is SIGKILL), so that its upload folder and its hosts'
    // folders go with it instead of piling up in the temp folder run after run.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
