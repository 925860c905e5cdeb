// The extension's lint: ESLint's and typescript-eslint's recommended rules, as the
// python-tools extension template and ruff-vscode run them in their checks.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "e2e/", "*.vsix"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["test/**/*.mjs", "build.mjs", "eslint.config.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", URL: "readonly" } },
  },
  {
    rules: {
      eqeqeq: ["error", "always"],
      "no-console": "error",
    },
  },
);
