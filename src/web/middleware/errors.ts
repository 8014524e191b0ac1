import type { Logger } from 'pino';
import type { Context, Middleware } from 'koa';
import { ZodError } from 'zod';
import { isAppError } from '../../domain/errors.ts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../store/connection.ts';
import type { Renderer } from '../render.ts';
import { routeLabel } from '../../observability/route-label.ts';

interface ErrorBody {
  status: number;
  error: string;
  message: string;
  details?: unknown;
}

function classify(error: unknown): ErrorBody {
  if (isAppError(error)) {
    return {
      status: error.status,
      error: error.code,
      message: error.message,
      details: error.details,
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      error: 'validation_failed',
      message: error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
      details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      error: 'database_unavailable',
      message: DATABASE_UNAVAILABLE_MESSAGE,
    };
  }
  const status = (error as { status?: number; expose?: boolean }).status;
  if (status && status >= 400 && status < 500 && (error as { expose?: boolean }).expose) {
    return { status, error: 'bad_request', message: (error as Error).message };
  }
  return { status: 500, error: 'internal', message: 'Something went wrong on our side.' };
}

function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/admin/api') || ctx.accepts('html', 'json') === 'json';
}

/**
 * The one error handler: stable `{ error, message }` JSON for APIs, a friendly page otherwise.
 * Client errors are logged at info without bodies; only unexpected errors carry a stack.
 */
export function errorHandler(render: Renderer, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const body = classify(error);
      if (body.status >= 500 && body.status !== 503)
        log.error({ err: error, route: routeLabel(ctx) }, 'request failed');
      // `errorCode`, not `code`: the logger redacts `code` (an OAuth or TOTP code is a secret). The
      // route pattern, not the path: paths carry interaction ids, which are also cookie values.
      else
        log.info(
          { route: routeLabel(ctx), status: body.status, errorCode: body.error },
          'request rejected',
        );
      ctx.status = body.status;
      if (
        body.status === 429 &&
        isAppError(error) &&
        typeof error.details?.retryAfterSeconds === 'number'
      ) {
        ctx.set('Retry-After', String(error.details.retryAfterSeconds));
      }
      if (wantsJson(ctx)) {
        ctx.body = {
          error: body.error,
          message: body.message,
          ...(body.details ? { details: body.details } : {}),
        };
      } else {
        ctx.type = 'html';
        ctx.body = render('error', {
          status: body.status,
          title: titleFor(body.status),
          message: body.message,
          anotherAccountHref: body.status === 403 ? anotherAccountHref(ctx) : undefined,
        });
      }
    }
  };
}

/**
 * A console page refused to this account (403) offers a sign-in with another one: the console's
 * sign-in with `prompt=login` (OIDC Core 3.1.2.1), coming back to the same page.
 */
function anotherAccountHref(ctx: Context): string | undefined {
  if (!/^\/(admin|account)(\/|$)/.test(ctx.path)) return undefined;
  return `/account/login?prompt=login&return_to=${encodeURIComponent(ctx.path)}`;
}

function titleFor(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 403) return 'Not allowed';
  if (status === 429) return 'Too many attempts';
  if (status === 503) return 'Temporarily unavailable';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
