/** The NocoBase plugins a real install has for users, auth, acl, departments and user-data-sync, in load order. */
module.exports = ['error-handler', 'data-source-main', 'data-source-manager', 'ui-schema-storage', 'collection-tree', 'field-sort', 'users', 'acl', 'auth', 'system-settings', 'departments', 'user-data-sync', 'api-keys'];
