import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';
import { routeLabel } from './route-label.ts';

/** Probes and scrapes, polled every few seconds: logged at debug so they do not drown the rest. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Measures every request (ours and the provider's) into the latency histogram by method, route
 * pattern and status, and writes one access line per request. The line names the route pattern,
 * never the query string (`state`, `login_hint`, codes) nor the ids in a path (an interaction's
 * id is also its cookie's value).
 */
export function httpMetrics(metrics: Metrics, log: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The provider answers on the raw response (ctx.respond = false): read the status there.
      const status = ctx.res.statusCode;
      const route = routeLabel(ctx);
      metrics.httpDuration.observe({ method: ctx.method, route, status: String(status) }, seconds);
      const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
      log[level](
        {
          method: ctx.method,
          route,
          // An unmatched path is the only clue to a 404; matched ones carry ids (see routeLabel).
          path: route === 'unmatched' ? ctx.path : undefined,
          status,
          ms: Math.round(seconds * 1000),
        },
        'request completed',
      );
    }
  };
}
