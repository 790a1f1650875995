// One Jest run, three tiers. Unit specs sit beside the code; integration and
// e2e specs live under test/ and run against a real PostgreSQL (see test/setup).
const common = require('./jest.common');

module.exports = {
  maxWorkers: process.env.JEST_MAX_WORKERS || 2,
  // Real PostgreSQL, HTTP and child processes on a shared 2-core box: generous, since speed is
  // measured by the benchmark scripts, never by test timeouts (a project-level value is ignored).
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '\\.spec\\.ts$' },
    // The NocoBase plugin's pure parts (sign-in rules, the bridge check, texts); the browser suite runs the rest.
    { ...common, displayName: 'plugin', rootDir: 'nocobase-plugin', testRegex: '\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'integration',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      setupFiles: ['<rootDir>/test/setup/env.ts'],
    },
  ],
};
