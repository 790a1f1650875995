// The real-browser suite (npm run test:browser): the whole NocoBase with its UI and our plugin, the bridge and the
// emulator, driven by Chromium. One spec file at a time: each sets up a NocoBase of its own.
module.exports = {
  ...require('./jest.common'),
  maxWorkers: 1,
  testTimeout: 240_000,
  rootDir: '.',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  verbose: true,
};
