// Build of the operator dashboard: `npm run build:dashboard` (vite build dashboard/web) writes dist/,
// which the api role serves with an SPA fallback for /wall and /field.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Vite 8 transforms TSX with its built-in oxc; the automatic runtime needs no React import per file.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // MapLibre alone is ~800 kB; it is split into its own chunk and never loaded by /field.
    chunkSizeWarningLimit: 1200,
    target: 'es2022',
  },
  server: {
    // `vite dashboard/web` during development, against `npm start` on the default port.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/socket.io': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
