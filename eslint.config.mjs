// ESLint (typescript-eslint, type-aware) for every TypeScript file of the repository; Prettier
// owns formatting (eslint-config-prettier turns the rules it covers off). `npm run lint` runs both.
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      ".venv/**",
      ".local/**",
      "bench/out/**",
      "reports/**",
      "test/adopters/*-backend/**",
      "**/*.js",
      "**/*.cjs",
      "**/*.mjs",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error; a promise where a boolean or void callback is expected
      // runs unobserved. Both have bitten stream and upload code before.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Lazy `require` keeps start-up cheap: the CLI's --help and a backend's import load no AI SDK
      // client until it is used (see services/aws/clients.ts). Typed with `typeof import(...)`.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  prettier,
);
