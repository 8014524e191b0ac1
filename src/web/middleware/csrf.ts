import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../../domain/errors.ts';

/**
 * CSRF protection for our own forms (the provider's endpoints protect themselves): a random
 * per-browser secret in an HttpOnly cookie, and forms carry an HMAC of it. A cross-site page can
 * neither read the cookie nor compute the token.
 */
export function csrfProtection(options: { key: string; secure: boolean }) {
  const cookieName = options.secure ? '__Host-csrf' : 'csrf';
  const sign = (secret: string) =>
    createHmac('sha256', options.key).update(secret).digest('base64url');

  return {
    /** Token to embed in a form rendered for this browser (sets the cookie on first use). */
    token(ctx: Context): string {
      let secret = ctx.cookies.get(cookieName);
      if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
        secret = randomBytes(32).toString('base64url');
        ctx.cookies.set(cookieName, secret, {
          httpOnly: true,
          sameSite: 'lax',
          secure: options.secure,
          path: '/',
          signed: false,
          overwrite: true,
        });
      }
      return sign(secret);
    },
    /** Throws 403 unless `submitted` matches this browser's secret. */
    verify(ctx: Context, submitted: unknown): void {
      const secret = ctx.cookies.get(cookieName);
      if (!secret || typeof submitted !== 'string') {
        throw new AppError(
          'csrf_failed',
          'The form expired or came from another site. Reload the page and try again.',
        );
      }
      const expected = Buffer.from(sign(secret));
      const given = Buffer.from(submitted);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        throw new AppError(
          'csrf_failed',
          'The form expired or came from another site. Reload the page and try again.',
        );
      }
    },
  };
}

export type Csrf = ReturnType<typeof csrfProtection>;
