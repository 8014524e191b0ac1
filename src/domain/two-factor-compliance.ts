import { twoFactorDeadline } from './mfa-policy.ts';

/** Where a user stands with 2FA, as the compliance report sorts them. */
export const COMPLIANCE_STATUSES = ['enrolled', 'in_grace', 'overdue', 'not_required'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/** What the report can be narrowed to: one status, everyone who must use 2FA, or the locked. */
export const COMPLIANCE_FILTERS = [...COMPLIANCE_STATUSES, 'required', 'locked'] as const;
export type ComplianceFilter = (typeof COMPLIANCE_FILTERS)[number];

/** Why a user must use 2FA: an enforcing role (held directly or through a group), or admin. */
export type ComplianceReason =
  { kind: 'role'; role: string; group: string | null } | { kind: 'admin' };

/** What the report knows of one user, read from their profile, credential and record. */
export interface ComplianceFacts {
  hasTwoFactor: boolean;
  /** Enforcing roles and where each comes from (group null: held directly). */
  roleReasons: ReadonlyArray<{ role: string; group: string | null }>;
  /** The enforcing roles' grace period in days (0: none). */
  graceDays: number;
  /** When the grace period started (the first sign-in while owing 2FA); null: not yet. */
  owedSince: Date | null;
  /** They are an admin and admins must use 2FA (no grace period applies to them). */
  adminNeedsTwoFactor: boolean;
}

/** The verdict on one user. */
export interface ComplianceStanding {
  required: boolean;
  reasons: ComplianceReason[];
  status: ComplianceStatus;
  /** The end of the grace period (past for an overdue user whose grace ran out), else null. */
  deadline: Date | null;
  /** In grace, but the period only starts at their next sign-in (so it has no end yet). */
  graceStartsAtNextSignIn: boolean;
}

/**
 * Classifies one user the way the sign-in treats them (src/signin/requirement.ts), so the
 * report tells admins who will be made to set up 2FA at their next sign-in (`overdue`), who may
 * still sign in without it and until when (`in_grace`), who has it, and who owes nothing.
 * Admins get no grace period: the sign-in always asks them to set 2FA up.
 */
export function complianceStanding(facts: ComplianceFacts, now: Date): ComplianceStanding {
  const reasons: ComplianceReason[] = [
    ...facts.roleReasons.map((r) => ({ kind: 'role' as const, role: r.role, group: r.group })),
    ...(facts.adminNeedsTwoFactor ? [{ kind: 'admin' as const }] : []),
  ];
  const required = reasons.length > 0;
  const verdict = (
    status: ComplianceStatus,
    deadline: Date | null = null,
    graceStartsAtNextSignIn = false,
  ): ComplianceStanding => ({ required, reasons, status, deadline, graceStartsAtNextSignIn });

  if (facts.hasTwoFactor) return verdict('enrolled');
  if (!required) return verdict('not_required');
  const graceApplies = facts.roleReasons.length > 0 && facts.graceDays > 0;
  if (!graceApplies || facts.adminNeedsTwoFactor) return verdict('overdue');
  if (!facts.owedSince) return verdict('in_grace', null, true);
  const deadline = twoFactorDeadline(facts.owedSince, facts.graceDays);
  const inGrace = deadline !== null && deadline.getTime() > now.getTime();
  return verdict(inGrace ? 'in_grace' : 'overdue', deadline);
}

/** Whether a user with this standing and lock state passes `filter`. */
export function matchesComplianceFilter(
  row: { status: ComplianceStatus; required: boolean; locked: boolean },
  filter: ComplianceFilter,
): boolean {
  if (filter === 'required') return row.required;
  if (filter === 'locked') return row.locked;
  return row.status === filter;
}

/** A reason as admins read it: "Role Finance (through group Accounting)", "Administrator". */
export function describeComplianceReason(reason: ComplianceReason): string {
  if (reason.kind === 'admin') return 'Administrator';
  return reason.group
    ? `Role ${reason.role} (through group ${reason.group})`
    : `Role ${reason.role}`;
}
