// Fault tests that restart the shared PostgreSQL server (npm run test:faults): alone, one at a time,
// after every other suite (CI runs them last), as root on a Debian cluster (pg_ctlcluster).
module.exports = {
  ...require('./jest.common'),
  maxWorkers: 1,
  testTimeout: 420_000,
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup/env.ts'],
};
