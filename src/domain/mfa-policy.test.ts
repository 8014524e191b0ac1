import { describe, expect, it } from '@jest/globals';
import {
  effectiveRoles,
  isAdmin,
  twoFactorEnforcement,
  type GroupFacts,
  type RoleFacts,
} from './mfa-policy.ts';

const ROLES: RoleFacts[] = [
  { id: 'r-admin', name: 'admins', enforce2fa: true, admin: true },
  { id: 'r-fin', name: 'finance', enforce2fa: true, admin: false },
  { id: 'r-staff', name: 'staff', enforce2fa: false, admin: false },
];
const GROUPS: GroupFacts[] = [
  { id: 'g-acc', name: 'accounting', roleIds: ['r-fin', 'r-staff'] },
  { id: 'g-ops', name: 'ops', roleIds: ['r-admin', 'r-fin', 'r-missing'] },
];

describe('effectiveRoles', () => {
  it('combines direct and group roles, deduplicated, sorted by name, ignoring unknown ids', () => {
    const user = { roleIds: ['r-staff', 'r-gone'], groupIds: ['g-ops', 'g-acc', 'g-gone'] };
    expect(effectiveRoles(user, ROLES, GROUPS).map((role) => role.name)).toEqual([
      'admins',
      'finance',
      'staff',
    ]);
  });

  it('is empty for a user with nothing', () => {
    expect(effectiveRoles({ roleIds: [], groupIds: [] }, ROLES, GROUPS)).toEqual([]);
  });
});

describe('twoFactorEnforcement', () => {
  it('reports a direct role', () => {
    expect(twoFactorEnforcement({ roleIds: ['r-fin'], groupIds: [] }, ROLES, GROUPS)).toEqual({
      required: true,
      reasons: [{ role: 'finance', group: null }],
    });
  });

  it('reports a role via a group', () => {
    expect(twoFactorEnforcement({ roleIds: [], groupIds: ['g-acc'] }, ROLES, GROUPS)).toEqual({
      required: true,
      reasons: [{ role: 'finance', group: 'accounting' }],
    });
  });

  it('reports every path to each enforcing role', () => {
    expect(
      twoFactorEnforcement({ roleIds: ['r-fin'], groupIds: ['g-ops', 'g-acc'] }, ROLES, GROUPS),
    ).toEqual({
      required: true,
      reasons: [
        { role: 'admins', group: 'ops' },
        { role: 'finance', group: null },
        { role: 'finance', group: 'accounting' },
        { role: 'finance', group: 'ops' },
      ],
    });
  });

  it('is not required without an enforcing role', () => {
    expect(twoFactorEnforcement({ roleIds: ['r-staff'], groupIds: [] }, ROLES, GROUPS)).toEqual({
      required: false,
      reasons: [],
    });
  });
});

describe('isAdmin', () => {
  it('follows direct and group roles', () => {
    expect(isAdmin({ roleIds: ['r-admin'], groupIds: [] }, ROLES, GROUPS)).toBe(true);
    expect(isAdmin({ roleIds: [], groupIds: ['g-ops'] }, ROLES, GROUPS)).toBe(true);
    expect(isAdmin({ roleIds: ['r-fin'], groupIds: ['g-acc'] }, ROLES, GROUPS)).toBe(false);
  });
});
