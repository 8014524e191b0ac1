import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Every metric the provider exports at `/metrics` (docs/operations.md lists them). One registry
 * per running server, so tests that start several providers in one process never share counts.
 * Labels are bounded sets only: no user ids, emails, addresses or raw paths.
 */
export function createMetrics() {
  const registry = new Registry();
  // Process metrics: CPU, memory, event loop lag, handles, GC (prom-client's defaults).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    signIns: new Counter({
      name: 'twofold_signins_total',
      help: 'Sign-in attempts by client, result (success, password, throttled) and amr',
      labelNames: ['client', 'result', 'amr'] as const,
      registers,
    }),
    secondFactorFailures: new Counter({
      name: 'twofold_second_factor_failures_total',
      help: 'Refused second-factor codes at sign-in, by factor (totp, recovery_code)',
      labelNames: ['factor'] as const,
      registers,
    }),
    secondFactorLocks: new Counter({
      name: 'twofold_second_factor_locks_total',
      help: 'Accounts whose second factor reached the hard stop of failed codes',
      registers,
    }),
    secondFactorUnlocks: new Counter({
      name: 'twofold_second_factor_unlocks_total',
      help: 'Second-factor locks lifted by an administrator',
      registers,
    }),
    passwordThrottled: new Counter({
      name: 'twofold_password_throttled_total',
      help: 'Password attempts refused because the account or address is being throttled',
      registers,
    }),
    twoFactorChanges: new Counter({
      name: 'twofold_two_factor_changes_total',
      help: 'Two-factor changes: enrolled, replaced, disabled, recovery_codes_generated; by self or admin',
      labelNames: ['change', 'by'] as const,
      registers,
    }),
    recoveryCodesUsed: new Counter({
      name: 'twofold_recovery_codes_used_total',
      help: 'Recovery codes spent, by where (sign-in, profile)',
      labelNames: ['during'] as const,
      registers,
    }),
    auditEvents: new Counter({
      name: 'twofold_audit_events_total',
      help: 'Audit trail events by action and result',
      labelNames: ['action', 'result'] as const,
      registers,
    }),
    tokenGrants: new Counter({
      name: 'twofold_token_grants_total',
      help: 'Token endpoint requests by grant type and result (success or the OAuth error code)',
      labelNames: ['grant_type', 'result'] as const,
      registers,
    }),
    oidcErrors: new Counter({
      name: 'twofold_oidc_errors_total',
      help: 'Errors the OpenID provider answered, by event and OAuth error code',
      labelNames: ['event', 'error'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'twofold_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    dbDuration: new Histogram({
      name: 'twofold_db_command_duration_seconds',
      help: 'Database command latency by command name',
      labelNames: ['command'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    dbErrors: new Counter({
      name: 'twofold_db_command_errors_total',
      help: 'Database commands that failed, by command name',
      labelNames: ['command'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
