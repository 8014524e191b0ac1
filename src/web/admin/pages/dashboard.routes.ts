import Router from '@koa/router';
import type { WebDeps } from '../../context.ts';
import { renderAdmin, requireAdmin } from './common.ts';

/** `/admin`: links to the administration pages. */
export function adminDashboardRoutes(deps: WebDeps): Router {
  const router = new Router();
  router.get('/admin', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (admin) renderAdmin(ctx, deps, admin, 'dashboard', {});
  });
  return router;
}
