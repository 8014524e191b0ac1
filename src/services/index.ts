import type { Config } from '../config.ts';
import type { KeyRing } from '../domain/secret-box.ts';
import type { Store } from '../store/index.ts';
import { auditTrail } from './audit.ts';
import { passwordHasher } from './passwords.ts';
import { rememberedBrowserService } from './remembered-browsers.ts';
import { twoFactorService } from './two-factor.ts';

/** Application services over one store, built once in the composition root. */
export function createServices(config: Config, store: Store, ring: KeyRing) {
  return {
    passwords: passwordHasher(config.argon2),
    twoFactor: twoFactorService(config, store, ring),
    rememberedBrowsers: rememberedBrowserService(config, store),
    audit: auditTrail(store),
  };
}

export type Services = ReturnType<typeof createServices>;
