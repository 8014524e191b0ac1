import { describe, expect, it } from '@jest/globals';
import {
  complianceStanding,
  describeComplianceReason,
  matchesComplianceFilter,
  type ComplianceFacts,
} from './two-factor-compliance.ts';

const NOW = new Date('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const FINANCE = { role: 'Finance', group: null };

function facts(overrides: Partial<ComplianceFacts> = {}): ComplianceFacts {
  return {
    hasTwoFactor: false,
    roleReasons: [],
    graceDays: 0,
    owedSince: null,
    adminNeedsTwoFactor: false,
    ...overrides,
  };
}

describe('complianceStanding', () => {
  it('calls anyone with 2FA enrolled, required or not', () => {
    expect(complianceStanding(facts({ hasTwoFactor: true }), NOW)).toMatchObject({
      status: 'enrolled',
      required: false,
      deadline: null,
    });
    expect(
      complianceStanding(facts({ hasTwoFactor: true, roleReasons: [FINANCE] }), NOW),
    ).toMatchObject({ status: 'enrolled', required: true });
  });

  it('owes nothing without an enforcing role or admin status', () => {
    expect(complianceStanding(facts(), NOW)).toEqual({
      required: false,
      reasons: [],
      status: 'not_required',
      deadline: null,
      graceStartsAtNextSignIn: false,
    });
  });

  it('is overdue when a role enforces 2FA without grace', () => {
    const standing = complianceStanding(facts({ roleReasons: [FINANCE] }), NOW);
    expect(standing).toMatchObject({ status: 'overdue', required: true, deadline: null });
    expect(standing.reasons).toEqual([{ kind: 'role', role: 'Finance', group: null }]);
  });

  it('is in grace, starting at the next sign-in, before the first sign-in', () => {
    expect(complianceStanding(facts({ roleReasons: [FINANCE], graceDays: 7 }), NOW)).toMatchObject({
      status: 'in_grace',
      deadline: null,
      graceStartsAtNextSignIn: true,
    });
  });

  it('is in grace until the deadline, then overdue with the deadline kept', () => {
    const started = facts({
      roleReasons: [FINANCE],
      graceDays: 7,
      owedSince: new Date(NOW.getTime() - 2 * DAY),
    });
    expect(complianceStanding(started, NOW)).toMatchObject({
      status: 'in_grace',
      deadline: new Date(NOW.getTime() + 5 * DAY),
      graceStartsAtNextSignIn: false,
    });
    const over = { ...started, owedSince: new Date(NOW.getTime() - 7 * DAY) };
    expect(complianceStanding(over, NOW)).toMatchObject({
      status: 'overdue',
      deadline: new Date(NOW.getTime()),
    });
  });

  it('gives admins no grace, and names the admin reason', () => {
    const standing = complianceStanding(
      facts({ roleReasons: [FINANCE], graceDays: 7, adminNeedsTwoFactor: true }),
      NOW,
    );
    expect(standing).toMatchObject({ status: 'overdue', deadline: null });
    expect(standing.reasons).toEqual([
      { kind: 'role', role: 'Finance', group: null },
      { kind: 'admin' },
    ]);
  });
});

describe('matchesComplianceFilter', () => {
  const row = { status: 'in_grace' as const, required: true, locked: false };
  it('matches a status, "required" and "locked"', () => {
    expect(matchesComplianceFilter(row, 'in_grace')).toBe(true);
    expect(matchesComplianceFilter(row, 'overdue')).toBe(false);
    expect(matchesComplianceFilter(row, 'required')).toBe(true);
    expect(matchesComplianceFilter(row, 'locked')).toBe(false);
    expect(matchesComplianceFilter({ ...row, locked: true }, 'locked')).toBe(true);
  });
});

describe('describeComplianceReason', () => {
  it('reads as a sentence fragment', () => {
    expect(describeComplianceReason({ kind: 'role', role: 'Finance', group: 'Accounting' })).toBe(
      'Role Finance (through group Accounting)',
    );
    expect(describeComplianceReason({ kind: 'role', role: 'Finance', group: null })).toBe(
      'Role Finance',
    );
    expect(describeComplianceReason({ kind: 'admin' })).toBe('Administrator');
  });
});
