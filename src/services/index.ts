import type { Config } from '../config.ts';
import type { KeyRing } from '../domain/secret-box.ts';
import type { Store } from '../store/index.ts';
import { adminRolesAndGroups } from './admin/roles-groups.ts';
import { adminUsers } from './admin/users.ts';
import { passwordFactor } from '../factors/password/password-factor.ts';
import { attemptGuard } from '../factors/attempt-guard.ts';
import { auditTrail } from './audit.ts';
import { passwordHasher } from '../factors/password/hasher.ts';
import { rememberedBrowserService } from './remembered-browsers.ts';
import { twoFactorService } from './two-factor.ts';

/** Application services over one store, built once in the composition root. */
export function createServices(config: Config, store: Store, ring: KeyRing) {
  const passwords = passwordHasher(config.argon2);
  const twoFactor = twoFactorService(config, store, ring);
  const audit = auditTrail(store);
  const guard = attemptGuard(store);
  return {
    passwords,
    guard,
    password: passwordFactor(config, store, passwords, guard),
    twoFactor,
    rememberedBrowsers: rememberedBrowserService(config, store),
    audit,
    adminUsers: adminUsers({ store, passwords, twoFactor, audit }),
    adminRolesAndGroups: adminRolesAndGroups({ store, audit }),
  };
}

export type Services = ReturnType<typeof createServices>;
