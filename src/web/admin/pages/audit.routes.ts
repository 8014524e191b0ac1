import Router from '@koa/router';
import type { WebDeps } from '../../context.ts';
import { PAGE_SIZE, pageNumber, pager, renderAdmin, requireAdmin } from './common.ts';

/** The overall audit trail, newest first, paginated. */
export function adminAuditPageRoutes(deps: WebDeps): Router {
  const router = new Router();
  router.get('/admin/audit', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const page = pageNumber(ctx.query.page);
    const { items, total } = await deps.services.audit.list({ page, pageSize: PAGE_SIZE });
    renderAdmin(ctx, deps, admin, 'audit', {
      events: items,
      pager: pager('/admin/audit', {}, page, total),
    });
  });
  return router;
}
