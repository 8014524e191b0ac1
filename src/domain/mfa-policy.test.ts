import { describe, expect, it } from '@jest/globals';
import {
  effectiveRoles,
  isAdmin,
  twoFactorDeadline,
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
      graceDays: 0,
      reasons: [{ role: 'finance', group: null }],
    });
  });

  it('reports a role via a group', () => {
    expect(twoFactorEnforcement({ roleIds: [], groupIds: ['g-acc'] }, ROLES, GROUPS)).toEqual({
      required: true,
      graceDays: 0,
      reasons: [{ role: 'finance', group: 'accounting' }],
    });
  });

  it('reports every path to each enforcing role', () => {
    expect(
      twoFactorEnforcement({ roleIds: ['r-fin'], groupIds: ['g-ops', 'g-acc'] }, ROLES, GROUPS),
    ).toEqual({
      required: true,
      graceDays: 0,
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
      graceDays: 0,
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

describe('grace periods', () => {
  const graceRoles: RoleFacts[] = [
    { id: 'r-week', name: 'week', enforce2fa: true, enforce2faGraceDays: 7, admin: false },
    { id: 'r-day', name: 'day', enforce2fa: true, enforce2faGraceDays: 1, admin: false },
    { id: 'r-none', name: 'none', enforce2fa: true, admin: false },
    { id: 'r-off', name: 'off', enforce2fa: false, enforce2faGraceDays: 30, admin: false },
  ];
  const enforcement = (roleIds: string[]) =>
    twoFactorEnforcement({ roleIds, groupIds: [] }, graceRoles, []);

  it('takes the shortest grace period of the enforcing roles, and ignores roles that do not enforce', () => {
    expect(enforcement(['r-week']).graceDays).toBe(7);
    expect(enforcement(['r-week', 'r-day']).graceDays).toBe(1);
    expect(enforcement(['r-week', 'r-none']).graceDays).toBe(0);
    expect(enforcement(['r-off']).graceDays).toBe(0);
  });

  it('fixes the deadline from when the user first owed 2FA', () => {
    const since = new Date('2026-11-23T10:00:00Z');
    expect(twoFactorDeadline(since, 7)).toEqual(new Date('2026-11-30T10:00:00Z'));
    expect(twoFactorDeadline(since, 0)).toBeNull();
    expect(twoFactorDeadline(null, 7)).toBeNull();
  });
});
