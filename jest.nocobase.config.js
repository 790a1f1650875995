// The compatibility suite against a real NocoBase (npm run test:nocobase): one spec file per naming mode
// run one at a time, each installing NocoBase into its own database and serving it.
module.exports = {
  ...require('./jest.common'),
  maxWorkers: 1,
  testTimeout: 180_000,
  rootDir: '.',
  testMatch: ['<rootDir>/test/nocobase/**/*.compat-spec.ts'],
  setupFiles: ['<rootDir>/test/setup/env.ts'],
};
