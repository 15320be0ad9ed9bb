import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The gateway serves the build at /admin/ from the embedded ui/dist/app
// folder (see embed.go). `npm run dev` proxies the API to a gateway that
// listens on OPENDRAY_DEV_BACKEND (default 127.0.0.1:8770).
const backend = process.env.OPENDRAY_DEV_BACKEND ?? '127.0.0.1:8770';

export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: `http://${backend}`, ws: true },
    },
  },
  preview: {
    host: '127.0.0.1',
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
