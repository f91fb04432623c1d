/** Builds the assistant app into dist/web: every asset a file of this origin (the CSP allows nothing else). */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * PDF.js's character maps, which it fetches to read the text of PDFs in CJK fonts that do not embed theirs:
 * copied beside the assets under the library's version (see attachments.ts), since they are not imported.
 */
function pdfjsCharacterMaps(): Plugin {
  const packageFile = createRequire(import.meta.url).resolve('pdfjs-dist/package.json');
  const { version } = JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { version: string };
  return {
    name: 'pdfjs-character-maps',
    writeBundle(options) {
      fs.cpSync(path.join(path.dirname(packageFile), 'cmaps'), path.join(options.dir!, 'assets', `pdfjs-${version}`, 'cmaps'), { recursive: true });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  plugins: [pdfjsCharacterMaps()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Inlined data: URLs and the preload polyfill's inline script would need a looser CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // lucide-react marks its modules "use client" for React Server Components, which a plain SPA has no use for.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
