// Prints the size of the built module beside axios: dist/index.js bundled
// and minified by esbuild with axios left out, then gzipped (level 9).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export async function size() {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../dist/index.js', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    external: ['axios'],
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped } = await size();
  console.log(`dist/index.js, minified by esbuild without axios: ${minified} bytes, ${gzipped} bytes gzipped`);
}
