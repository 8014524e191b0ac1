import { describe, expect, it } from '@jest/globals';
import { AUDIT_ACTIONS } from '../../domain/audit-events.ts';
import type { AuditEvent } from '../../store/repos/audit.repo.ts';
import {
  actionsOfKind,
  auditActorLabel,
  auditEventLabel,
  AUDIT_KINDS,
  AUDIT_LABELS,
} from './audit-labels.ts';

function event(fields: Partial<AuditEvent>): AuditEvent {
  return {
    id: '1',
    at: new Date(0),
    actorId: null,
    actorEmail: null,
    action: 'user.create',
    targetType: null,
    targetId: null,
    targetLabel: null,
    ip: null,
    result: 'success',
    details: null,
    ...fields,
  };
}

describe('audit labels', () => {
  it('label every audit action, and only those', () => {
    expect(Object.keys(AUDIT_LABELS).sort()).toEqual([...AUDIT_ACTIONS].sort());
    for (const action of AUDIT_ACTIONS) expect(AUDIT_LABELS[action].length).toBeGreaterThan(3);
    expect(new Set(Object.values(AUDIT_LABELS)).size).toBe(AUDIT_ACTIONS.length);
  });

  it('put every action in exactly one kind of event', () => {
    const grouped = AUDIT_KINDS.flatMap((kind) => kind.actions);
    expect([...grouped].sort()).toEqual([...AUDIT_ACTIONS].sort());
    for (const kind of AUDIT_KINDS) expect(kind.actions.length).toBeGreaterThan(0);
    expect(actionsOfKind('sign-in')).toContain('login.failure');
    expect(actionsOfKind('two-factor')).toEqual(
      expect.arrayContaining(['totp.enabled', 'user.2fa_disable', 'recovery_code.used']),
    );
    expect(actionsOfKind('users')).not.toContain('user.2fa_disable');
    expect(actionsOfKind('user.delete')).toEqual(['user.delete']);
    expect(actionsOfKind('user.nope')).toBeNull();
    expect(actionsOfKind('constructor')).toBeNull();
  });

  it('tell why a sign-in was refused', () => {
    const failure = (targetId: string, reason: string) =>
      auditEventLabel(event({ action: 'login.failure', targetId, details: { reason } }));
    expect(failure('u1', 'password')).toBe('Sign-in refused: wrong password');
    expect(failure('', 'password')).toBe('Sign-in refused: unknown email');
    expect(failure('u1', 'throttled')).toBe('Sign-in refused: too many attempts');
    expect(auditEventLabel(event({ action: 'user.delete' }))).toBe('Deleted the user');
    expect(auditEventLabel(event({ action: 'legacy.action' }))).toBe('legacy.action');
  });

  it('name who did it', () => {
    expect(auditActorLabel(event({ actorId: 'u1', actorEmail: 'ann@example.com' }))).toBe(
      'ann@example.com',
    );
    expect(auditActorLabel(event({ actorEmail: 'cli' }))).toBe('Command line (operator)');
    expect(auditActorLabel(event({ actorId: 'client:robot' }))).toBe('Service client robot');
    expect(auditActorLabel(event({ action: 'login.failure' }))).toBe('Someone (not signed in)');
    expect(auditActorLabel(event({}))).toBe('System');
  });
});
