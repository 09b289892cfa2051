import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The server serves dist/ at `/` with an SPA fallback; in development the API is proxied.
export default defineConfig({
  plugins: [react()],
  // Workspace packages (the SDK's role ladder) from their TypeScript sources, as in the tests.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    manifest: true,
    // Mantine + React + router + query form one vendor chunk; routes are lazy.
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
    },
  },
});
