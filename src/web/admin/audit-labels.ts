import { AUDIT_ACTIONS, type AuditAction } from '../../domain/audit-events.ts';
import type { AuditEvent } from '../../store/repos/audit.repo.ts';

/**
 * What each audit action means, in the admin's words. The one map of them: the audit pages show
 * these labels (the stored code stays visible beside them, as admins and scripts search for it),
 * and the filter offers them. Typed over every action, so a new action needs its label here.
 */
export const AUDIT_LABELS: Readonly<Record<AuditAction, string>> = Object.freeze({
  'login.success': 'Signed in',
  'login.failure': 'Sign-in refused',
  'login.otp_failure': 'Sign-in refused: wrong code from the authenticator app',
  'login.recovery_code_failure': 'Sign-in refused: wrong recovery code',
  'totp.enabled': 'Turned on two-factor authentication',
  'totp.disabled': 'Turned off two-factor authentication',
  'totp.replaced': 'Replaced the authenticator app',
  'recovery_codes.generated': 'Generated new recovery codes',
  'recovery_code.used': 'Used a recovery code',
  'user.create': 'Created the user',
  'user.update': 'Changed the user',
  'user.set_password': 'Set a new password for the user',
  'user.disable': 'Disabled the user',
  'user.delete': 'Deleted the user',
  'user.2fa_disable': 'Turned off the user’s two-factor authentication',
  'user.2fa_unlock': 'Unlocked the user’s second-factor sign-in',
  'user.password_change': 'Changed their password',
  'user.add_role': 'Gave the user a role',
  'user.add_group': 'Added the user to a group',
  'session.sign_out': 'Signed out of one session',
  'session.sign_out_everywhere': 'Signed out everywhere',
  'role.create': 'Created the role',
  'role.update': 'Changed the role',
  'role.delete': 'Deleted the role',
  'group.create': 'Created the group',
  'group.update': 'Changed the group',
  'group.delete': 'Deleted the group',
  'client.upsert': 'Created or changed the client',
});

/** A kind of event the audit filter offers: a name and the actions it covers. */
export interface AuditKind {
  value: string;
  label: string;
  actions: readonly AuditAction[];
}

const startsWith =
  (...prefixes: string[]) =>
  (action: AuditAction) =>
    prefixes.some((prefix) => action.startsWith(prefix));

const isTwoFactor = startsWith('totp.', 'recovery_code', 'user.2fa_');

/** The kinds of event, each action in exactly one, in the order the filter lists them. */
export const AUDIT_KINDS: readonly AuditKind[] = [
  { value: 'sign-in', label: 'Sign-ins', test: startsWith('login.') },
  { value: 'two-factor', label: 'Two-factor authentication', test: isTwoFactor },
  {
    value: 'users',
    label: 'Users and passwords',
    test: (a: AuditAction) => a.startsWith('user.') && !isTwoFactor(a),
  },
  { value: 'sessions', label: 'Sessions', test: startsWith('session.') },
  { value: 'roles', label: 'Roles', test: startsWith('role.') },
  { value: 'groups', label: 'Groups', test: startsWith('group.') },
  { value: 'clients', label: 'Clients', test: startsWith('client.') },
].map(({ value, label, test }) => ({ value, label, actions: AUDIT_ACTIONS.filter(test) }));

/** The actions a filter value names: a kind's actions, one action, or null for an unknown value. */
export function actionsOfKind(value: string): readonly AuditAction[] | null {
  const kind = AUDIT_KINDS.find((k) => k.value === value);
  if (kind) return kind.actions;
  return (AUDIT_ACTIONS as readonly string[]).includes(value) ? [value as AuditAction] : null;
}

function isKnownAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_LABELS, action);
}

/** The label of one event: the action's label, made precise by what the event recorded. */
export function auditEventLabel(event: AuditEvent): string {
  if (!isKnownAction(event.action)) return event.action;
  if (event.action === 'login.failure') {
    if (event.details?.reason === 'throttled') return 'Sign-in refused: too many attempts';
    return event.targetId ? 'Sign-in refused: wrong password' : 'Sign-in refused: unknown email';
  }
  return AUDIT_LABELS[event.action];
}

/**
 * Who did it, for an admin reading the trail: the person's email, a service client, the command
 * line, someone not signed in (a refused password is nobody's action yet), or the system.
 */
export function auditActorLabel(event: AuditEvent): string {
  if (event.actorEmail === 'cli' && !event.actorId) return 'Command line (operator)';
  if (event.actorEmail) return event.actorEmail;
  if (event.actorId?.startsWith('client:')) return `Service client ${event.actorId.slice(7)}`;
  if (event.actorId) return event.actorId;
  return event.action === 'login.failure' ? 'Someone (not signed in)' : 'System';
}
