// Mutation testing of packages/core: `pnpm mutation` (then bench/mutation-score.ts stores the score in
// bench/results/latest.json). Stryker 9.6.1: Stryker 10 needs Node 22, the repository supports Node >= 20.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  testRunner: 'vitest',
  // Stryker looks for its default plugins ('@stryker-mutator/*') next to its own installation, which under pnpm is
  // node_modules/.pnpm/@stryker-mutator+core@*/node_modules: the vitest runner is not there ("no TestRunner plugins
  // were loaded"). Resolve it from the repository root instead and hand Stryker the file URL.
  plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
  // Only packages/core's tests, with the package's own imports aliased to the sandbox copy of its sources: see the
  // comment in vitest.mutation.config.ts for why the default sandbox would otherwise test the unmutated originals.
  // The sandbox (not inPlace) is kept on purpose: other people work in this checkout while a run takes minutes, and an
  // in-place run would leave instrumented sources in packages/core/src for that long (or for good, if killed).
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'packages/core/src/**/*.ts',
    // Barrels: re-exports only.
    '!packages/core/src/index.ts',
    '!packages/core/src/**/index.ts',
    // Ports are interfaces (type-only, nothing to mutate) plus two trivial defaults (systemClock, discardEvents).
    '!packages/core/src/ports/**',
    // Type-only domain modules.
    '!packages/core/src/domain/events.ts',
    '!packages/core/src/domain/invitation.ts',
    // The contract suites and their fixtures are test code shipped for adapter packages (describe/it/expect calls):
    // mutating them asks whether a correct store still passes a weakened assertion, which says nothing about a gap in
    // our tests. The in-memory adapters, fake broker and manual clock in src/testing ARE mutated: they are shipped
    // test doubles that users' own tests rely on, and the contract suites (run against them in
    // tests/testing/in-memory-contracts.test.ts) are what pins their behaviour down.
    '!packages/core/src/testing/contracts/**',
    '!packages/core/src/testing/fixtures.ts',
  ],
  ignorePatterns: ['bench/results', 'coverage', 'dist', '**/dist', 'packages/*/bundle', '.devauth-tmp'],
  coverageAnalysis: 'perTest',
  // Static mutants (code run only while a module loads: the zod request schemas, TOKENS, limit and parameter tables,
  // the username script table, regexes) need a fresh module graph and the whole suite each: about 200 of 1,900
  // mutants, and more than half of the run (about 27 minutes in all on this 2-CPU machine, 11 without them). They hold
  // real input limits, so the score counts them by default; MUTATION_SKIP_STATIC=1 skips them for a quick look (the
  // skipped ones then count in neither score, and bench/mutation-score.ts prints how many).
  ignoreStatic: process.env.MUTATION_SKIP_STATIC === '1',
  // 2 CPUs shared with other engineers' jobs: two test-runner workers (Stryker's own default would be one); each one
  // is a Vitest instance limited to a single thread by the vitest runner.
  concurrency: 2,
  // A mutant's time limit is its tests' dry-run time x timeoutFactor + timeoutMS. Generous, because the machine is
  // shared: a busy CPU must not turn a survivor into a "timeout" (which counts as killed).
  timeoutFactor: 2,
  timeoutMS: 15_000,
  // Restart a worker now and then: the hashing tests load native modules and allocate large scrypt/argon2 buffers.
  maxTestRunnerReuse: 200,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  incremental: false,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  thresholds: { high: 85, low: 70, break: null },
  // Stryker's sandbox preprocessor rewrites `tsconfigFile` (default tsconfig.json) through the `typescript` package's
  // JS API (ts.parseConfigFileTextToJson), which TypeScript 7's native compiler does not have: the run aborts with
  // "ts.parseConfigFileTextToJson is not a function". The rewrite only fixes `extends`/`references` that point outside
  // the sandbox, and ours do not (the whole repository is copied), so it is skipped by naming a file that does not
  // exist. Nothing else in this setup reads the option (no @stryker-mutator/typescript-checker).
  tsconfigFile: 'stryker-skip-tsconfig-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
