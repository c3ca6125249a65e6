/**
 * Builds the admin console into console/dist (served by the server at /console). The typed API
 * client is compiled from its source in clients/typescript, so the console always matches the API.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** Prints each built file's gzipped size and the total, which must stay under 300 KB. */
function reportGzippedSize(): Plugin {
  return {
    name: 'opsline-gzipped-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      let total = 0;
      for (const [name, file] of Object.entries(bundle)) {
        const bytes = gzipSync(file.type === 'chunk' ? file.code : file.source).length;
        total += bytes;
        console.log(`  ${name}: ${(bytes / 1024).toFixed(1)} KB gzipped`);
      }
      console.log(`console bundle: ${(total / 1024).toFixed(1)} KB gzipped (budget 300 KB)`);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  resolve: {
    alias: { '@opsline/client': fileURLToPath(new URL('../clients/typescript/src', import.meta.url)) },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
  plugins: [reportGzippedSize()],
});
