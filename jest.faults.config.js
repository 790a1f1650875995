// Fault tests that restart the shared PostgreSQL server (npm run test:faults): alone, one at a time,
// after every other suite (CI runs them last), as root on a Debian cluster (pg_ctlcluster).
module.exports = {
  maxWorkers: 1,
  testTimeout: 420_000,
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup/env.ts'],
};
