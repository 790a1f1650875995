import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import type { TestDatabase } from './test-database';

/**
 * What a directory sync leaves in NocoBase, independent of generated ids: every bound member with
 * its user's fields, roles and departments (by title), every department by its path of titles, and
 * the counts a duplicate or an orphan would change. Two databases synced from the same directory
 * have equal fingerprints exactly when they hold the same state.
 */
export async function syncFingerprint(db: TestDatabase, nb: NocobaseSchema) {
  const u = nb.columns('users');
  const r = nb.columns('rolesUsers');
  const d = nb.columns('departments');
  const du = nb.columns('departmentsUsers');
  const members = await db.query<{
    userid: string;
    nickname: string;
    phone: string | null;
    email: string | null;
    roles: string;
    departments: string;
    suspended: boolean;
  }>(
    `SELECT b.wecom_userid AS userid, usr.${u.nickname} AS nickname, usr.${u.phone} AS phone, usr.${u.email} AS email, b.suspended_at IS NOT NULL AS suspended,
            (SELECT string_agg(ru.${r.roleName}, ',' ORDER BY ru.${r.roleName}) FROM ${nb.table('rolesUsers')} ru WHERE ru.${r.userId} = usr.${u.id}) AS roles,
            (SELECT string_agg(dep.${d.title} || CASE WHEN x.${du.isOwner} THEN '*' ELSE '' END, ',' ORDER BY dep.${d.title})
               FROM ${nb.table('departmentsUsers')} x JOIN ${nb.table('departments')} dep ON dep.${d.id} = x.${du.departmentId} WHERE x.${du.userId} = usr.${u.id}) AS departments
       FROM wecom_bridge.bindings b JOIN ${nb.table('users')} usr ON usr.${u.id} = b.nocobase_user_id
      ORDER BY b.wecom_userid COLLATE "C"`,
  );
  const departments = await db.query<{ path: string }>(
    `WITH RECURSIVE tree AS (
       SELECT ${d.id} AS id, ${d.title}::text AS path FROM ${nb.table('departments')} WHERE ${d.parentId} IS NULL
       UNION ALL SELECT c.${d.id}, tree.path || '/' || c.${d.title} FROM ${nb.table('departments')} c JOIN tree ON c.${d.parentId} = tree.id)
     SELECT path FROM tree ORDER BY path COLLATE "C"`,
  );
  const [counts] = await db.query<{ users: string; bindings: string; unbound: string; provisioned: string }>(
    `SELECT (SELECT count(*) FROM ${nb.table('users')}) AS users,
            (SELECT count(*) FROM wecom_bridge.bindings) AS bindings,
            (SELECT count(*) FROM ${nb.table('users')} usr WHERE usr.${u.id} <> 1
                AND NOT EXISTS (SELECT 1 FROM wecom_bridge.bindings b WHERE b.nocobase_user_id = usr.${u.id})) AS unbound,
            (SELECT count(*) FROM wecom_bridge.provisioned_users) AS provisioned`,
  );
  return {
    members,
    departments: departments.map((x) => x.path),
    counts: { users: Number(counts.users), bindings: Number(counts.bindings), unboundUsers: Number(counts.unbound), provisioned: Number(counts.provisioned) },
  };
}
