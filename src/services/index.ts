import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { KeyRing } from '../domain/secret-box.ts';
import type { Store } from '../store/index.ts';
import { adminRolesAndGroups } from './admin/roles-groups.ts';
import { adminUsers } from './admin/users.ts';
import { adminClients } from './admin/clients.ts';
import { complianceReport } from './admin/compliance.ts';
import { passwordFactor } from '../factors/password/password-factor.ts';
import { attemptGuard } from '../factors/attempt-guard.ts';
import { accountService } from './account.ts';
import { consoleSessionService } from './console-sessions.ts';
import { auditTrail } from './audit.ts';
import type { ServiceObserver } from '../observability/service-observer.ts';
import { healthService } from './health.ts';
import { keyRotationService } from './key-rotation.ts';
import { longestSignedTokenTtlMs } from '../oidc/signing-key-states.ts';
import { notificationService } from './notifications/index.ts';
import { operatorService } from './operator.ts';
import { sessionsService } from './sessions.ts';
import { signInService } from '../signin/service.ts';
import { twoFactorService, type Notify } from './two-factor.ts';
import { passwordHasher } from '../factors/password/hasher.ts';
import { rememberedBrowserFactor } from '../factors/remembered-browser/remembered-browser-factor.ts';
import { totpFactor } from '../factors/totp/totp-factor.ts';
import { recoveryCodeFactor } from '../factors/recovery-code/recovery-code-factor.ts';

/** Application services over one store, built once in the composition root. */
export function createServices(
  config: Config,
  store: Store,
  ring: KeyRing,
  log: Logger,
  /** Logs and counts audit events and notices (src/observability); the server passes one. */
  observer?: ServiceObserver,
) {
  const passwords = passwordHasher(config.argon2);
  const notifications = notificationService({ config, store, log });
  const audit = auditTrail(store, observer);
  const guard = attemptGuard(store);
  const totp = totpFactor(config, store, ring, guard);
  const recovery = recoveryCodeFactor(config, store, guard);
  const rememberedBrowsers = rememberedBrowserFactor(config, store, totp);
  const notify: Notify = (user, notice, origin) => {
    observer?.noticed(notice);
    return notifications.notify(user, notice, { ...origin, at: new Date() });
  };
  const twoFactor = twoFactorService({ store, totp, recovery, audit, notify });
  return {
    passwords,
    guard,
    password: passwordFactor(config, store, passwords, guard),
    totp,
    recovery,
    rememberedBrowsers,
    audit,
    notifications,
    account: accountService({ store, passwords, audit, notifications }),
    twoFactor,
    signin: signInService({
      store,
      totp,
      recovery,
      rememberedBrowsers,
      twoFactor,
      audit,
      notify,
      adminsNeedTwoFactor: config.adminsNeedTwoFactor,
    }),
    health: healthService(store),
    keyRotation: keyRotationService({
      store,
      ring,
      longestTokenTtlMs: longestSignedTokenTtlMs(config.ttl),
    }),
    sessions: sessionsService({ store, audit }),
    consoleSessions: consoleSessionService({ store, limits: config.session }),
    operator: operatorService({ store, audit }),
    adminUsers: adminUsers({ store, passwords, totp, audit, notifications }),
    adminRolesAndGroups: adminRolesAndGroups({ store, audit }),
    adminClients: adminClients({ store, audit }),
    compliance: complianceReport({
      store,
      totp,
      adminsNeedTwoFactor: config.adminsNeedTwoFactor,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
