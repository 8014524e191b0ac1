import type { Context } from 'koa';

/**
 * Sets the status of a refused secret (wrong, malformed or throttled) and, for a delay, when to
 * retry (`Retry-After`, RFC 9110 section 10.2.3), so every form that takes a secret answers alike.
 */
export function answerRefusal(ctx: Context, status: number, retryAfterSeconds?: number): void {
  ctx.status = status;
  if (retryAfterSeconds) ctx.set('Retry-After', String(retryAfterSeconds));
}
