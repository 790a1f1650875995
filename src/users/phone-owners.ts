import type { EntityManager } from 'typeorm';
import type { CountryCode } from 'libphonenumber-js/max';
import type { NocobaseUser, NocobaseUsersRepository } from '../nocobase/nocobase-users.repository';
import { nationalDigits, normalizePhone } from './phone';

/** NocoBase users whose stored phone, however it is written, is this E.164 number. */
export async function nocobaseUsersWithPhone(
  users: NocobaseUsersRepository,
  e164: string,
  defaultRegion: CountryCode,
  manager?: EntityManager,
): Promise<NocobaseUser[]> {
  const candidates = await users.findPhoneCandidates(nationalDigits(e164), manager);
  return candidates.filter((u) => normalizePhone(u.phone, defaultRegion) === e164);
}
