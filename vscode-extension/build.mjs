// Bundles the extension (vscode is provided by the editor) and the pure modules the
// node --test suite imports.
import { build } from "esbuild";

await build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  sourcemap: true,
  minify: true,
});
await build({
  entryPoints: ["src/executable.ts"],
  bundle: true,
  outfile: "dist/executable.js",
  platform: "node",
  format: "cjs",
  target: "node18",
});
