/**
 * The closed set of audit actions and the details each one carries. The action strings are
 * stored as they are and read back by the audit pages, the admin API and tests, so they never
 * change; a new action is added here first, and `AuditTrail.record` refuses any other string.
 */
export interface AuditDetailsByAction {
  'login.success': { client: string | undefined; amr: string[] };
  'login.failure': { client: string | undefined; reason: 'throttled' | 'password' };
  'login.otp_failure': null;
  'login.recovery_code_failure': null;
  'totp.enabled': { during: 'sign-in' } | null;
  'totp.disabled': { by: 'self' };
  'totp.replaced': null;
  'recovery_codes.generated': { count: number };
  'recovery_code.used': { remaining: number; during: 'sign-in' | 'profile' };
  'user.create': null;
  'user.update': { fields: string[] };
  'user.set_password': null;
  'user.disable': null;
  'user.delete': null;
  'user.2fa_disable': { by: 'admin' };
  'user.2fa_unlock': null;
  'user.password_change': null;
  'user.add_role': { role: string };
  'user.add_group': { group: string };
  /** One SSO session ended from its owner's Profile. */
  'session.sign_out': { by: 'self' };
  /** Every session, grant and refresh token of the user ended; remembered browsers if asked. */
  'session.sign_out_everywhere': { by: 'self' | 'admin'; forgotBrowsers: boolean };
  'role.create': { enforce2fa: boolean; enforce2faGraceDays?: number; admin: boolean } | null;
  'role.update': {
    name?: string;
    enforce2fa?: boolean;
    enforce2faGraceDays?: number;
    admin?: boolean;
  };
  'role.delete': null;
  'group.create': null;
  'group.update': { name?: string; roleIds?: string[] };
  'group.delete': null;
  /** Details only for an admin API change of back-channel logout (`null` removed the URI). */
  'client.upsert': {
    backchannel_logout_uri?: string | null;
    backchannel_logout_session_required?: boolean;
    /** A service client created through the admin API (client credentials, admin scopes). */
    grant_types?: string[];
    scope?: string;
  } | null;
}

/** Every action the audit trail knows. */
export type AuditAction = keyof AuditDetailsByAction;

/** What an audit event is about. */
export interface AuditTarget {
  type: 'user' | 'role' | 'group' | 'client';
  id: string;
  label?: string;
}

/**
 * Every action as a runtime list, for the pages that name, group and filter them. Written as an
 * object checked against `AuditDetailsByAction`, so an action added there and missing here (or
 * the reverse) fails the type check.
 */
export const AUDIT_ACTIONS = Object.keys({
  'login.success': true,
  'login.failure': true,
  'login.otp_failure': true,
  'login.recovery_code_failure': true,
  'totp.enabled': true,
  'totp.disabled': true,
  'totp.replaced': true,
  'recovery_codes.generated': true,
  'recovery_code.used': true,
  'user.create': true,
  'user.update': true,
  'user.set_password': true,
  'user.disable': true,
  'user.delete': true,
  'user.2fa_disable': true,
  'user.2fa_unlock': true,
  'user.password_change': true,
  'user.add_role': true,
  'user.add_group': true,
  'session.sign_out': true,
  'session.sign_out_everywhere': true,
  'role.create': true,
  'role.update': true,
  'role.delete': true,
  'group.create': true,
  'group.update': true,
  'group.delete': true,
  'client.upsert': true,
} satisfies Record<AuditAction, true>) as AuditAction[];
