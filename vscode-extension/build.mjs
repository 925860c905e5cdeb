// Bundles the extension (vscode is provided by the editor) and the pure modules the
// node --test suite imports (the lookup, the settings, a draft's editor session).
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
for (const name of ["executable", "settings", "draftsession", "narrators", "questions"]) {
  await build({
    entryPoints: [`src/${name}.ts`],
    bundle: true,
    outfile: `dist/${name}.js`,
    platform: "node",
    format: "cjs",
    target: "node18",
  });
}
