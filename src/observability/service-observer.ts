import type { Logger } from 'pino';
import type { SecurityNotice } from '../domain/security-notices.ts';
import type { NewAuditEvent } from '../store/repos/audit.repo.ts';
import type { Metrics } from './metrics.ts';

/**
 * What the services tell the operator side about themselves: every audit event as it is recorded
 * (sign-in attempts, 2FA changes, admin actions) and every security notice sent to a user.
 */
export interface ServiceObserver {
  audited(event: NewAuditEvent): void;
  noticed(notice: SecurityNotice): void;
}

const TWO_FACTOR_CHANGES: Record<string, { change: string; by: 'self' | 'admin' }> = {
  'totp.enabled': { change: 'enrolled', by: 'self' },
  'totp.replaced': { change: 'replaced', by: 'self' },
  'totp.disabled': { change: 'disabled', by: 'self' },
  'recovery_codes.generated': { change: 'recovery_codes_generated', by: 'self' },
  'user.2fa_disable': { change: 'disabled', by: 'admin' },
};

const TWO_FACTOR_ACTIONS = new Set([
  ...Object.keys(TWO_FACTOR_CHANGES),
  'recovery_code.used',
  'user.2fa_unlock',
]);

/**
 * The one hook behind the sign-in and 2FA logs and counters: the audit trail already records
 * every sign-in attempt and 2FA change in one place, so each recorded event becomes one
 * structured log line and moves its counters here, instead of calls sprinkled through the flows.
 *
 * The log line carries ids, client, result, `amr`, address and details only. Never the labels:
 * a failed sign-in's label is whatever was typed as the email, which is sometimes the password
 * (OWASP Logging Cheat Sheet, "data to exclude"). Audit details hold no secrets by contract
 * (src/domain/audit-events.ts).
 */
export function serviceObserver(log: Logger, metrics: Metrics): ServiceObserver {
  return {
    audited(event) {
      metrics.auditEvents.inc({ action: event.action, result: event.result });
      const details = event.details ?? {};
      const userId = event.targetType === 'user' && event.targetId ? event.targetId : null;
      if (event.action.startsWith('login.')) {
        const client = typeof details.client === 'string' ? details.client : null;
        const amr = Array.isArray(details.amr) ? details.amr.map(String) : undefined;
        countSignIn(metrics, event.action, client, amr, details.reason);
        log.info(
          {
            event: event.action,
            result: event.result,
            userId,
            client,
            amr,
            reason: details.reason,
            ip: event.ip,
          },
          'sign-in attempt',
        );
        return;
      }
      countTwoFactorChange(metrics, event.action, details);
      log.info(
        {
          event: event.action,
          result: event.result,
          userId,
          actorId: event.actorId,
          target: userId ? undefined : { type: event.targetType, id: event.targetId },
          details: event.details ?? undefined,
          ip: event.ip,
        },
        TWO_FACTOR_ACTIONS.has(event.action) ? 'two-factor change' : 'audit event',
      );
    },
    noticed(notice) {
      // Sent exactly once, by the refused code that reached the hard stop (sign-in or Profile).
      if (notice.kind === 'otp.locked') metrics.secondFactorLocks.inc();
    },
  };
}

function countSignIn(
  metrics: Metrics,
  action: string,
  client: string | null,
  amr: string[] | undefined,
  reason: unknown,
): void {
  const clientLabel = client ?? 'none';
  if (action === 'login.success') {
    metrics.signIns.inc({ client: clientLabel, result: 'success', amr: (amr ?? []).join('+') });
  } else if (action === 'login.failure') {
    const result = reason === 'throttled' ? 'throttled' : 'password';
    metrics.signIns.inc({ client: clientLabel, result, amr: 'pwd' });
    if (result === 'throttled') metrics.passwordThrottled.inc();
  } else if (action === 'login.otp_failure') {
    metrics.secondFactorFailures.inc({ factor: 'totp' });
  } else if (action === 'login.recovery_code_failure') {
    metrics.secondFactorFailures.inc({ factor: 'recovery_code' });
  }
}

function countTwoFactorChange(
  metrics: Metrics,
  action: string,
  details: Record<string, unknown>,
): void {
  const change = TWO_FACTOR_CHANGES[action];
  if (change) metrics.twoFactorChanges.inc(change);
  else if (action === 'recovery_code.used') {
    metrics.recoveryCodesUsed.inc({ during: details.during === 'profile' ? 'profile' : 'sign-in' });
  } else if (action === 'user.2fa_unlock') metrics.secondFactorUnlocks.inc();
}
