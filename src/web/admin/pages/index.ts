import type Router from '@koa/router';
import type { WebDeps } from '../../context.ts';
import { adminAuditPageRoutes } from './audit.routes.ts';
import { adminCompliancePageRoutes } from './compliance.routes.ts';
import { adminDashboardRoutes } from './dashboard.routes.ts';
import { adminGroupPageRoutes } from './groups.routes.ts';
import { adminRolePageRoutes } from './roles.routes.ts';
import { adminUserPageRoutes } from './users.routes.ts';

/**
 * The admin HTML pages under `/admin` (the JSON API lives under `/admin/api`): each signed-in
 * console user must hold an admin role (403 otherwise); anonymous visitors sign in first.
 */
export function adminPageRouters(deps: WebDeps): Router[] {
  return [
    adminDashboardRoutes(deps),
    adminUserPageRoutes(deps),
    adminRolePageRoutes(deps),
    adminGroupPageRoutes(deps),
    adminAuditPageRoutes(deps),
    adminCompliancePageRoutes(deps),
  ];
}
