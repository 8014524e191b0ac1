import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Metrics } from './metrics.ts';

function isLoopback(address: string | undefined): boolean {
  if (!address || !isIP(address)) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || plain.startsWith('127.');
}

/** Constant-time comparison of a presented bearer token with the configured one. */
function sameToken(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Who may read the metrics. With `METRICS_TOKEN`: whoever presents it as a bearer token
 * (RFC 6750 section 2.1). Without: only a direct connection from this host (the TCP peer, never
 * `X-Forwarded-For`), and not one relayed by a proxy on this host (it sends forwarding headers),
 * so a same-host reverse proxy does not publish the metrics to the internet.
 */
function mayRead(ctx: Context, token: string | undefined): boolean {
  if (token) {
    const match = /^Bearer ([^\s]+)$/.exec(ctx.get('Authorization'));
    return match?.[1] !== undefined && sameToken(match[1], token);
  }
  const relayed = ctx.get('X-Forwarded-For') !== '' || ctx.get('Forwarded') !== '';
  return !relayed && isLoopback(ctx.req.socket.remoteAddress);
}

/**
 * `GET /metrics` in the Prometheus text exposition format (docs/operations.md). Without a token
 * configured, others get a 404 (the endpoint is not advertised); with one, a 401 challenge.
 */
export function metricsRoutes(metrics: Metrics, token: string | undefined): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!mayRead(ctx, token)) {
      if (token) ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.status = token ? 401 : 404;
      ctx.body = token
        ? { error: 'unauthorized', message: 'A valid METRICS_TOKEN bearer token is required' }
        : { error: 'not_found', message: 'Not found' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
