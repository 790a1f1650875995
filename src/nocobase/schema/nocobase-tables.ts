/**
 * The NocoBase tables and columns the bridge uses, by their logical (camelCase collection)
 * names. Physical names are resolved at start-up (see NocobaseSchemaResolver); nothing else
 * in the code base spells a NocoBase table or column.
 */
export const NOCOBASE_TABLES = {
  users: {
    required: true,
    columns: ['id', 'nickname', 'username', 'email', 'phone', 'password', 'createdAt', 'updatedAt'],
    optional: ['passwordChangeTz', 'sort', 'createdById', 'updatedById', 'mainDepartmentId'],
  },
  roles: { required: true, columns: ['name', 'title', 'default'], optional: ['hidden'] },
  rolesUsers: { required: true, columns: ['roleName', 'userId', 'createdAt', 'updatedAt'], optional: ['default'] },
  usersAuthenticators: { required: true, columns: ['authenticator', 'userId', 'uuid', 'createdAt', 'updatedAt'], optional: ['nickname', 'avatar', 'meta'] },
  authenticators: { required: true, columns: ['name', 'authType', 'enabled'], optional: ['id', 'title', 'options', 'sort'] },
  // Absent before NocoBase 1.6 (sessions were plain 7-day JWTs then).
  issuedTokens: { required: false, columns: ['id', 'jti', 'signInTime', 'issuedTime', 'userId', 'createdAt', 'updatedAt'], optional: ['authenticator'] },
  tokenControlConfig: { required: false, columns: ['key', 'config'], optional: [] },
  tokenBlacklist: { required: false, columns: ['token', 'expiration'], optional: ['id', 'createdAt', 'updatedAt'] },
  // The departments plugin; optional in a NocoBase install.
  departments: { required: false, columns: ['id', 'title', 'parentId', 'isLeaf', 'createdAt', 'updatedAt'], optional: ['sort', 'createdById', 'updatedById'] },
  departmentsUsers: { required: false, columns: ['departmentId', 'userId', 'isOwner', 'createdAt', 'updatedAt'], optional: ['isMain'] },
  main_departments_path: { required: false, columns: ['nodePk', 'path', 'rootPk'], optional: [] },
} as const;

export type NocobaseTable = keyof typeof NOCOBASE_TABLES;
export type NocobaseColumn<T extends NocobaseTable> = (typeof NOCOBASE_TABLES)[T]['columns'][number] | (typeof NOCOBASE_TABLES)[T]['optional'][number];

/** Sequelize's `Utils.underscore`, which NocoBase applies to table and column names when DB_UNDERSCORED=true. */
export function underscore(name: string): string {
  return name
    .replace(/([A-Z\d]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}
