import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// Builds the graph harness page into test/.tmp/graph-harness (npm run bench:graph does this).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../.tmp/graph-harness', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  worker: { format: 'es' },
});
