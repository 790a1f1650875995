// What every Jest configuration here shares: TypeScript through SWC, Node's environment.
module.exports = {
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};
