import type { Config } from '../config.ts';
import type { KeyRing } from '../domain/secret-box.ts';
import type { Store } from '../store/index.ts';
import { adminRolesAndGroups } from './admin/roles-groups.ts';
import { adminUsers } from './admin/users.ts';
import { passwordFactor } from '../factors/password/password-factor.ts';
import { attemptGuard } from '../factors/attempt-guard.ts';
import { accountService } from './account.ts';
import { auditTrail } from './audit.ts';
import { healthService } from './health.ts';
import { operatorService } from './operator.ts';
import { signInService } from '../signin/service.ts';
import { twoFactorService } from './two-factor.ts';
import { passwordHasher } from '../factors/password/hasher.ts';
import { rememberedBrowserFactor } from '../factors/remembered-browser/remembered-browser-factor.ts';
import { totpFactor } from '../factors/totp/totp-factor.ts';

/** Application services over one store, built once in the composition root. */
export function createServices(config: Config, store: Store, ring: KeyRing) {
  const passwords = passwordHasher(config.argon2);
  const audit = auditTrail(store);
  const guard = attemptGuard(store);
  const totp = totpFactor(config, store, ring, guard);
  return {
    passwords,
    guard,
    password: passwordFactor(config, store, passwords, guard),
    totp,
    rememberedBrowsers: rememberedBrowserFactor(config, store, totp),
    audit,
    account: accountService({ store, passwords, audit }),
    twoFactor: twoFactorService({ totp, audit }),
    signin: signInService({
      store,
      totp,
      audit,
      adminsNeedTwoFactor: config.adminsNeedTwoFactor,
    }),
    health: healthService(store),
    operator: operatorService({ store, audit }),
    adminUsers: adminUsers({ store, passwords, totp, audit }),
    adminRolesAndGroups: adminRolesAndGroups({ store, audit }),
  };
}

export type Services = ReturnType<typeof createServices>;
