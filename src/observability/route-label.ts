import type { Context } from 'koa';

/** The provider's endpoints (node-oidc-provider's default `routes`, plus discovery). */
const PROVIDER_ROUTES = new Set([
  '/.well-known/openid-configuration',
  '/auth',
  '/backchannel',
  '/device',
  '/device/auth',
  '/jwks',
  '/me',
  '/reg',
  '/request',
  '/session/end',
  '/session/end/confirm',
  '/session/end/success',
  '/token',
  '/token/introspection',
  '/token/revocation',
]);

/** Provider paths that carry an id, with the id replaced. */
const PROVIDER_PATTERNS: [RegExp, string][] = [
  [/^\/auth\/[^/]+$/, '/auth/:uid'],
  [/^\/reg\/[^/]+$/, '/reg/:clientId'],
];

/**
 * The route a request is counted under in the HTTP metrics: our routers' pattern
 * (`/interaction/:uid`), the provider's endpoint, or `unmatched`. Never the raw path: ids in
 * labels would make one time series per user or interaction (unbounded cardinality, and ids of
 * pending sign-ins exposed to whoever reads the metrics).
 */
export function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (PROVIDER_ROUTES.has(ctx.path)) return ctx.path;
  for (const [pattern, label] of PROVIDER_PATTERNS) if (pattern.test(ctx.path)) return label;
  return 'unmatched';
}
