import type { Config } from '../config.ts';
import {
  describeUserAgent,
  hashRememberToken,
  isRememberedBrowserUsable,
  newRememberToken,
  rememberedUntil,
} from '../domain/remembered-browser.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';

/** Cookie holding the raw token; `__Host-` on https pins it to our origin and path `/`. */
export function rememberCookieName(secure: boolean): string {
  return secure ? '__Host-remember_browser' : 'remember_browser';
}

/**
 * "Remember this browser?": a 256-bit token in an HttpOnly cookie, only its SHA-256 stored, bound
 * to one user and one 2FA enrollment, valid for `REMEMBER_BROWSER_DAYS`.
 */
export function rememberedBrowserService(config: Config, store: Store) {
  return {
    cookieName: rememberCookieName(config.secureCookies),
    maxAgeMs: config.rememberBrowserDays * 24 * 3600 * 1000,

    /** Records this browser for the user's current enrollment; returns the cookie value. */
    async remember(user: User, userAgent: string | undefined): Promise<string | null> {
      if (!user.totp) return null;
      const { token, hash } = newRememberToken();
      await store.rememberedBrowsers.create({
        userId: user.id,
        tokenHash: hash,
        enrollmentId: user.totp.enrollmentId,
        label: describeUserAgent(userAgent),
        expiresAt: rememberedUntil(new Date(), config.rememberBrowserDays),
      });
      return token;
    },

    /** True when the cookie's token is a live remembered browser of this user's enrollment. */
    async recognises(user: User, token: unknown): Promise<boolean> {
      if (!user.totp) return false;
      const hash = hashRememberToken(token);
      if (!hash) return false;
      const record = await store.rememberedBrowsers.findByHash(hash);
      if (!record) return false;
      const usable = isRememberedBrowserUsable(
        record,
        { userId: user.id, enrollmentId: user.totp.enrollmentId },
        new Date(),
      );
      if (usable) await store.rememberedBrowsers.touch(record.id);
      return usable;
    },
  };
}

export type RememberedBrowserService = ReturnType<typeof rememberedBrowserService>;
