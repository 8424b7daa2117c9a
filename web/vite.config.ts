// The console builds into the Python package, which serves it at `/` (borderwatch/api/console.py).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "../borderwatch/web_dist",
    emptyOutDir: true,
    // MapLibre alone is ~800 kB minified; the console is served from the same machine.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev` against a running `borderwatch run` (default port 8000).
    proxy: {
      "/api": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
