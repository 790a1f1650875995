import { underscore } from './nocobase-tables';

describe(underscore.name, () => {
  it.each([
    ['usersAuthenticators', 'users_authenticators'],
    ['issuedTokens', 'issued_tokens'],
    ['tokenControlConfig', 'token_control_config'],
    ['main_departments_path', 'main_departments_path'],
    ['passwordChangeTz', 'password_change_tz'],
    ['mainDepartmentId', 'main_department_id'],
    ['nodePk', 'node_pk'],
    ['id', 'id'],
  ])('%s → %s (as Sequelize does for DB_UNDERSCORED)', (input, expected) => {
    expect(underscore(input)).toBe(expected);
  });
});
