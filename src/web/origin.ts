import type { Context } from 'koa';
import type { RequestOrigin } from '../services/request-origin.ts';

/** The client address and browser of a request, for audit events and security notices. */
export function originOf(ctx: Context): RequestOrigin {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined };
}
