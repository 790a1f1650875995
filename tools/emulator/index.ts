export { startEmulator, type EmulatorOptions, type WecomEmulator } from './server';
export type { CallStats } from './call-stats';
export { EmulatorDirectory, type DirectoryChange, type MemberInput, type MemberPatch } from './directory';
export { generateDirectory, mobileSpelling, seededRandom } from './generator';
export { directoryFromFixture, directoryFromFile, type DirectoryFixture } from './fixture';
export type { CallbackConfig, Delivery } from './callbacks';
export type { FaultInput } from './faults';
