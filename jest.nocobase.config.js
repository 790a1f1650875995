// The compatibility suite against a real NocoBase (npm run test:nocobase): one spec file per naming mode
// run one at a time, each installing NocoBase into its own database and serving it.
module.exports = {
  maxWorkers: 1,
  testTimeout: 180_000,
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  rootDir: '.',
  testMatch: ['<rootDir>/test/nocobase/**/*.compat-spec.ts'],
  setupFiles: ['<rootDir>/test/setup/env.ts'],
};
