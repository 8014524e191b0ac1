/**
 * What each scope lets an application see or do, in the words of the consent page, so a person
 * approves something they understand rather than a protocol name (OIDC Core section 5.4).
 */
const DESCRIPTIONS: Record<string, string> = {
  openid: 'Know it is you when you sign in',
  profile: 'See your name',
  email: 'See your email address',
  roles: 'See your roles and groups',
  offline_access: 'Stay connected while you are away (until you sign out everywhere)',
  admin: 'Manage users, groups and roles as you',
  'admin:read': 'See users, groups and roles',
  'admin:write': 'Change users, groups and roles',
};

/** The consent page's line for each requested scope; unknown scopes keep their name. */
export function describeScopes(scopes: readonly string[]): string[] {
  return scopes.map((scope) => DESCRIPTIONS[scope] ?? `Use “${scope}”`);
}
