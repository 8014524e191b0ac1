import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import { readForm } from './body.ts';

/**
 * CSRF protection for our own forms (the provider's endpoints protect themselves): a random
 * per-browser secret in an HttpOnly cookie, and forms carry an HMAC of it. A cross-site page can
 * neither read the cookie nor compute the token.
 *
 * `keys` are the cookie keys (`COOKIE_KEYS`): the first signs new tokens and every one verifies,
 * so prepending a new key does not break forms rendered before the rotation (the same rule
 * Keygrip applies to our signed cookies).
 */
export function csrfProtection(options: { keys: readonly string[]; secure: boolean }) {
  const cookieName = options.secure ? '__Host-csrf' : 'csrf';
  const [signingKey] = options.keys;
  if (signingKey === undefined) throw new AppError('internal', 'CSRF protection needs a key');
  const hmac = (key: string, secret: string) =>
    createHmac('sha256', key).update(secret).digest('base64url');
  // Every key is tried, whichever matches, so the time taken does not tell which key signed.
  const signedByAnyKey = (secret: string, submitted: string) => {
    const given = Buffer.from(submitted);
    let matched = false;
    for (const key of options.keys) {
      const expected = Buffer.from(hmac(key, secret));
      if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
    }
    return matched;
  };

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
      return hmac(signingKey, secret);
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
      if (!signedByAnyKey(secret, submitted)) {
        throw new AppError(
          'csrf_failed',
          'The form expired or came from another site. Reload the page and try again.',
        );
      }
    },
  };
}

export type Csrf = ReturnType<typeof csrfProtection>;

/** The CSRF token field every one of our forms carries. */
export const csrfField = z.string().max(200);

/** A form whose only field is the CSRF token (a button that changes something). */
export const csrfOnlyForm = z.object({ csrf: csrfField });

/**
 * Reads a posted form, validates it (400 on bad input), then checks its CSRF token (403): the one
 * way our own forms are read.
 */
export async function readVerifiedForm<T extends { csrf: string }>(
  ctx: Context,
  csrf: Csrf,
  schema: z.ZodType<T>,
): Promise<T> {
  const form = schema.parse(await readForm(ctx));
  csrf.verify(ctx, form.csrf);
  return form;
}
