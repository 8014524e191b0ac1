import Koa from 'koa';
import Router from '@koa/router';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import type { WebDeps } from './context.ts';
import { errorHandler } from './middleware/errors.ts';
import { httpMetrics } from '../observability/http-metrics.ts';
import { metricsRoutes } from '../observability/metrics-endpoint.ts';
import { requestContext } from '../observability/request-context.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { loginRoutes } from './interaction/login.routes.ts';
import { consentRoutes } from './interaction/consent.routes.ts';
import { secondFactorRoutes } from './interaction/second-factor.routes.ts';
import { graceReminderRoutes } from './interaction/grace-reminder.routes.ts';
import { signInEndedPage } from './interaction/ended.ts';
import { consoleSessionRoutes } from './console/session.ts';
import { profileRoutes } from './account/profile.routes.ts';
import { accountTwoFactorRoutes } from './account/two-factor.routes.ts';
import { adminApiRouters } from './admin/api/index.ts';
import { adminPageRouters } from './admin/pages/index.ts';

const STATIC_TYPES: Record<string, string> = {
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The files under `/static/`, read once at start: stylesheets, the small scripts the CSP allows
 * ('self') and application logos. Only these names are served, so a path can never leave `public/`.
 */
const STATIC_FILES = new Map(
  readdirSync(join(PROJECT_ROOT, 'public'))
    .filter((name) => STATIC_TYPES[extname(name)])
    .map((name) => [
      name,
      { type: STATIC_TYPES[extname(name)], body: readFileSync(join(PROJECT_ROOT, 'public', name)) },
    ]),
);

/** How long `/readyz` waits for the database's answer to a ping. */
const READINESS_TIMEOUT_MS = 1000;

function baseRoutes(deps: WebDeps): Router {
  const router = new Router();
  // Liveness: the process answers; the database is not consulted, so a stalled database never
  // gets a healthy process restarted.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  // Readiness: a database ping with a short deadline; 503 while it is down or stalled.
  router.get('/readyz', async (ctx) => {
    const ready = await deps.services.health.databaseReady(READINESS_TIMEOUT_MS);
    ctx.status = ready ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ready ? 'ready' : 'unavailable' };
  });
  router.get('/static/:name', (ctx, next) => {
    const file = STATIC_FILES.get(ctx.params.name ?? '');
    if (!file) return next();
    ctx.type = file.type ?? 'application/octet-stream';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  });
  router.get('/', (ctx) => ctx.redirect('/account'));
  return router;
}

/**
 * The HTTP application: our routers first (each file registers one group of routes), then the
 * provider's own endpoints. No global body parser, so the provider reads its own bodies.
 */
export function createApp(deps: WebDeps): Koa {
  const app = new Koa({ keys: [...deps.config.cookieKeys], proxy: deps.config.trustProxy });
  // First: every later line of a request's log carries its id, and its latency is measured.
  app.use(requestContext());
  app.use(httpMetrics(deps.metrics, deps.log));
  app.use(errorHandler(deps.render, deps.log));
  app.use(securityHeaders({ hsts: deps.config.secureCookies }));
  app.use(signInEndedPage(deps));
  const routers = [
    baseRoutes(deps),
    metricsRoutes(deps.metrics, deps.config.metricsToken),
    loginRoutes(deps),
    secondFactorRoutes(deps),
    graceReminderRoutes(deps),
    consentRoutes(deps),
    consoleSessionRoutes(deps),
    profileRoutes(deps),
    accountTwoFactorRoutes(deps),
    ...adminApiRouters(deps),
    ...adminPageRouters(deps),
  ];
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  const providerCallback = deps.provider.callback();
  app.use(async (ctx) => {
    ctx.respond = false;
    await providerCallback(ctx.req, ctx.res);
  });
  return app;
}
