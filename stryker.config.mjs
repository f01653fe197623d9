// Mutation testing (issue 13): `npm run mutate` runs StrykerJS over the modules below with the mocha
// runner and the TypeScript checker, on the unit tests; the report goes to reports/mutation/ (not
// committed). Too slow for CI on a small machine: run it before you resolve an issue that touches
// these modules, and whenever you change them.
//
//   npm run mutate                          every group below, all unit tests (long: hours on 2 cores)
//   MUTATE_GROUP=poll npm run mutate        one group, with the unit tests written for it
//   npm run mutate -- --mutate services/poll.ts --incrementalFile reports/incremental/mine.json
//                                           any files (give them their own incremental file)
//
// Each group keeps its own incremental file (reports/incremental/GROUP.json): a re-run tests only
// the mutants whose code or covering tests changed. (Stryker's incremental file holds the last run's
// files only, so a shared file would lose one group's results to the next.) --force runs them all.
//
// StrykerJS 9.x, not 10: 10 needs Node 22 and the project runs on Node 20. The 9.x mocha runner's
// peer range is mocha < 12, hence mocha 11 in devDependencies (nothing here needs mocha 12).

/** The module groups (issue 13), with the unit tests that target each. */
const GROUPS = {
  // core/: everything but the requirements model and the policies built from it (mutated apart).
  core: {
    mutate: ["core/*.ts", "!core/policies.ts", "!core/requirements.ts"],
    tests: ["test/core/*.unit.test.ts"],
    // They test the two files left out.
    ignore: ["test/core/grants.unit.test.ts", "test/core/policies.unit.test.ts"],
  },
  // The checklist: facts, evaluation, checks, fixes and the runner (4,500 mutants with the renderers: two groups keep each under an hour or two).
  verify: {
    mutate: ["verify/**/*.ts", "!verify/render*.ts", "!verify/formats.ts"],
    tests: ["test/verify/*.unit.test.ts", "test/core/clients.unit.test.ts"],
    ignore: ["test/verify/formats.unit.test.ts"],
  },
  // The report formats: table, JSON, SARIF, JUnit, HTML (the browser test is an integration test: not here).
  report: {
    mutate: ["verify/render*.ts", "verify/formats.ts"],
    tests: ["test/verify/formats.unit.test.ts", "test/verify/report.unit.test.ts", "test/verify/render-html-layout.unit.test.ts"],
  },
  // CSV validation.
  // (The fast path's comparisons last: a mutant they cannot see costs seconds there, and the rules' tests kill most at once.)
  csv: {
    mutate: ["services/personalize/csv*.ts"],
    tests: ["test/services/csv-rules.unit.test.ts", "test/services/csv.unit.test.ts", "test/services/csv-fast-path.unit.test.ts"],
  },
  // The upload paths: validate-while-uploading and the import, and the upload engine they run on
  // (part-upload.ts, with file-parts.ts, chunk-reader.ts and crc32.ts since it sends file regions).
  upload: {
    mutate: [
      "services/part-upload.ts",
      "services/file-parts.ts",
      "services/chunk-reader.ts",
      "services/crc32.ts",
      "services/personalize/upload.ts",
      "services/personalize/import.ts",
    ],
    tests: ["test/services/part-upload*.unit.test.ts", "test/services/personalize-import*.unit.test.ts"],
  },
  // Comprehend's limits (text.ts, checks.ts) and scheduling (pipeline.ts, rate-limit.ts).
  comprehend: {
    mutate: [
      "services/comprehend/api.ts",
      "services/comprehend/checks.ts",
      "services/comprehend/merge.ts",
      "services/comprehend/pipeline.ts",
      "services/comprehend/text.ts",
      "services/rate-limit.ts",
    ],
    tests: ["test/services/comprehend*.unit.test.ts", "test/services/rate-limit.unit.test.ts"],
  },
  // The requirements model and the policies built from it, with the tests that read them.
  policies: {
    mutate: ["core/policies.ts", "core/requirements.ts"],
    // The infra tests read these too, but each runs the program under Pulumi mocks: too slow per mutant
    // here. The application requests, the deletion input and verify's checks and fixes read the model
    // as the verifier does (what each grant is for, and which request asks for it).
    tests: [
      "test/core/policies.unit.test.ts",
      "test/core/grants.unit.test.ts",
      "test/core/resource-names.unit.test.ts",
      "test/infra/policy-lint.unit.test.ts",
      "test/core/application-requests*.unit.test.ts",
      "test/core/deletion-input.unit.test.ts",
      "test/core/policy-meaning.unit.test.ts",
      "test/verify/checks.unit.test.ts",
      "test/verify/fixes.unit.test.ts",
    ],
  },
  // Polling and retry.
  poll: {
    mutate: ["services/poll.ts", "core/aws-errors.ts", "core/clients.ts"],
    tests: ["test/services/poll.unit.test.ts", "test/core/aws-errors.unit.test.ts", "test/core/clients.unit.test.ts"],
  },
};

const group = process.env["MUTATE_GROUP"];
if (group !== undefined && !(group in GROUPS)) throw new Error(`MUTATE_GROUP=${group}: not one of ${Object.keys(GROUPS).join(", ")}`);
const chosen = group === undefined ? undefined : GROUPS[/** @type {keyof typeof GROUPS} */ (group)];
const name = group ?? "all";

// Stryker's test runners and checker are child processes that inherit this environment.
// The unit tests only: an emulator test that slips into the spec list fails loudly (test/helpers/emulator.ts).
// MUTATE_EMULATOR=1 allows them, for `--testFiles` runs over integration tests: the shared emulator then
// starts for each mutant run that needs it (test/setup.ts stops it after every run) and dies with the
// test runner if Stryker kills that (local/emulator.ts watches its parent), which makes such runs slow.
if (process.env["MUTATE_EMULATOR"] !== "1") process.env["ROADMAPX_UNIT_ONLY"] = "1";
// tsx maps "@roadmapx-ai/*" to the sandbox's own sources (see stryker.tsconfig.json), relative to
// the runner's working directory, the sandbox.
process.env["TSX_TSCONFIG_PATH"] = "stryker.tsconfig.json";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: chosen ? chosen.mutate : [...new Set(Object.values(GROUPS).flatMap((g) => g.mutate))],
  testRunner: "mocha",
  mochaOptions: {
    // .mocharc.json supplies the rest (extension, require: test/setup.ts and its root hooks).
    spec: chosen ? chosen.tests : ["test/**/*.unit.test.ts"],
    ignore: chosen?.ignore ?? [],
  },
  // What .mocharc.json's node-option does for `npm test`: the runner is a child process Stryker forks.
  testRunnerNodeArgs: ["--import", "tsx", "--conditions=@roadmapx-ai/source"],
  checkers: ["typescript"],
  tsconfigFile: "stryker.tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Each mutant runs only the tests that cover it (a mutant in code that runs at load time, a
  // "static" one, runs them all in a fresh process).
  coverageAnalysis: "perTest",
  // Other work shares the machine: one test runner (the checker is its own process).
  concurrency: 1,
  timeoutMS: 5000,
  incremental: true,
  incrementalFile: `reports/incremental/${name}.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: null },
  // Sandboxes under reports/ too: ignored by git, ESLint and Prettier alike.
  tempDirName: "reports/.stryker-tmp",
  ignorePatterns: ["**/dist", ".venv", ".local", "bench/out", ".scratch", "*.log"],
};
