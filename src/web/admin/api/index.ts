import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../../domain/errors.ts';
import { adminApiResource } from '../../../oidc/provider.ts';
import type { WebDeps } from '../../context.ts';
import { readJson } from '../../middleware/body.ts';
import { authenticateAdmin } from './auth.ts';
import { clientRoutes } from './clients.routes.ts';
import { complianceRoutes } from './compliance.routes.ts';
import { buildOpenApi } from './openapi.ts';
import type { ApiRoute } from './route.ts';
import { groupRoutes, roleRoutes } from './roles-groups.routes.ts';
import { auditRoutes, userRoutes } from './users.routes.ts';

/** Every operation of the admin API, in the order the OpenAPI document lists them. */
export function adminApiRoutes(deps: WebDeps): ApiRoute[] {
  return [
    ...userRoutes(deps),
    ...roleRoutes(deps),
    ...groupRoutes(deps),
    ...auditRoutes(deps),
    ...complianceRoutes(deps),
    ...clientRoutes(deps),
  ];
}

/** Authenticates, validates and runs one route; the error handler renders failures as JSON. */
function handler(deps: WebDeps, spec: ApiRoute) {
  return async (ctx: Context) => {
    const actor = await authenticateAdmin(ctx, deps);
    const params = spec.params ? spec.params.parse(ctx.params) : {};
    const query = spec.query ? spec.query.parse({ ...ctx.query }) : {};
    let body: unknown = undefined;
    if (spec.body) {
      const raw = await readJson(ctx);
      spec.inspectBody?.(raw);
      body = spec.body.parse(raw);
    }
    const result = await spec.handle({ params, query, body, actor, ctx });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = spec.status ?? 200;
    if (ctx.status !== 204) ctx.body = result;
  };
}

/**
 * The admin JSON API under `/admin/api`: bearer-token authenticated, zod-validated, JSON in and
 * out, plus its OpenAPI 3.1 document at `/admin/api/openapi.json` (public). Unknown paths under
 * `/admin/api` answer a JSON 404 instead of falling through to the provider.
 */
export function adminApiRouters(deps: WebDeps): Router[] {
  const routes = adminApiRoutes(deps);
  const api = new Router();
  for (const spec of routes) api[spec.method](spec.path, handler(deps, spec));

  const document = buildOpenApi(routes, {
    issuer: deps.config.issuer,
    resource: adminApiResource(deps.config.issuer),
  });
  const meta = new Router();
  meta.get('/admin/api/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = document;
  });

  const notFound = new Router();
  notFound.all(['/admin/api', '/admin/api/{*rest}'], () => {
    throw new AppError('not_found', 'No such admin API endpoint or method.');
  });
  return [meta, api, notFound];
}
