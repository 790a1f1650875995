import { createHash } from 'node:crypto';
import type { DirectoryMember } from '../fetch/directory.types';

/** Stable digest of the fields the sync reads: equal digests mean nothing to write. */
export function hashMember(m: DirectoryMember): string {
  return createHash('sha1')
    .update(JSON.stringify([m.userid, m.name, m.departments, m.leaderIn, m.mainDepartment, m.status, m.mobile, m.email, m.position]))
    .digest('base64url');
}
