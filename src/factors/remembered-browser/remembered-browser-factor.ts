import type { Config } from '../../config.ts';
import {
  describeUserAgent,
  hashRememberToken,
  isRememberedBrowserUsable,
  newRememberToken,
  rememberedUntil,
} from '../../domain/remembered-browser.ts';
import type { Store } from '../../store/index.ts';
import type { TotpFactor } from '../totp/totp-factor.ts';
import type { User } from '../../store/repos/users.repo.ts';

/** Cookie holding the raw token; `__Host-` on https pins it to our origin and path `/`. */
export function rememberCookieName(secure: boolean): string {
  return secure ? '__Host-remember_browser' : 'remember_browser';
}

/**
 * The remembered-browser factor (`amr` adds `mfa`, not `otp`: no code was typed this time).
 * "Remember this browser?": a 256-bit token in an HttpOnly cookie, only its SHA-256 stored, bound
 * to one user and one 2FA enrollment, valid for `REMEMBER_BROWSER_DAYS`.
 */
export function rememberedBrowserFactor(config: Config, store: Store, totp: TotpFactor) {
  return {
    cookieName: rememberCookieName(config.secureCookies),
    maxAgeMs: config.rememberBrowserDays * 24 * 3600 * 1000,

    /** Records this browser for the user's current enrollment; returns the cookie value. */
    async remember(user: User, userAgent: string | undefined): Promise<string | null> {
      const authenticator = await totp.status(user.id);
      if (!authenticator) return null;
      const { token, hash } = newRememberToken();
      await store.rememberedBrowsers.create({
        userId: user.id,
        tokenHash: hash,
        enrollmentId: authenticator.enrollmentId,
        label: describeUserAgent(userAgent),
        expiresAt: rememberedUntil(new Date(), config.rememberBrowserDays),
      });
      return token;
    },

    /** True when the cookie's token is a live remembered browser of this user's enrollment. */
    async recognises(user: User, token: unknown): Promise<boolean> {
      const hash = hashRememberToken(token);
      if (!hash) return false;
      const [record, authenticator] = await Promise.all([
        store.rememberedBrowsers.findByHash(hash),
        totp.status(user.id),
      ]);
      if (!record || !authenticator) return false;
      const usable = isRememberedBrowserUsable(
        record,
        { userId: user.id, enrollmentId: authenticator.enrollmentId },
        new Date(),
      );
      if (usable) await store.rememberedBrowsers.touch(record.id);
      return usable;
    },
  };
}

export type RememberedBrowserFactor = ReturnType<typeof rememberedBrowserFactor>;
