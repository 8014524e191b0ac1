import type { WebDeps } from '../../context.ts';
import { route, type ApiRoute } from './route.ts';
import {
  deleteQuery,
  groupCreateBody,
  groupPatchBody,
  groupView,
  idParams,
  pageOf,
  pageQuery,
  paginate,
  roleCreateBody,
  rolePatchBody,
  roleView,
  usageView,
} from './schemas.ts';

/** `/admin/api/roles`: CRUD, usage, and deletion that needs `?confirm=true` when in use. */
export function roleRoutes(deps: WebDeps): ApiRoute[] {
  const admin = deps.services.adminRolesAndGroups;
  return [
    route({
      method: 'get',
      path: '/admin/api/roles',
      tag: 'roles',
      summary: 'List roles (by name, paginated).',
      query: pageQuery,
      response: pageOf(roleView),
      handle: async ({ query }) =>
        paginate(await deps.services.adminRolesAndGroups.listRoles(), query),
    }),
    route({
      method: 'post',
      path: '/admin/api/roles',
      tag: 'roles',
      summary: 'Create a role.',
      body: roleCreateBody,
      status: 201,
      response: roleView,
      errors: ['conflict'],
      handle: ({ actor, body }) => admin.createRole(actor, body),
    }),
    route({
      method: 'get',
      path: '/admin/api/roles/:id',
      tag: 'roles',
      summary: 'Get one role.',
      params: idParams,
      response: roleView,
      errors: ['not_found'],
      handle: ({ params }) => admin.getRole(params.id),
    }),
    route({
      method: 'patch',
      path: '/admin/api/roles/:id',
      tag: 'roles',
      summary: "Change a role (name, enforce2fa, admin); applies at each holder's next sign-in.",
      params: idParams,
      body: rolePatchBody,
      response: roleView,
      errors: ['not_found', 'conflict'],
      handle: ({ actor, params, body }) => admin.updateRole(actor, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/admin/api/roles/:id',
      tag: 'roles',
      summary:
        'Delete a role; when in use, answers 409 in_use with the usage unless ?confirm=true.',
      params: idParams,
      query: deleteQuery,
      status: 204,
      errors: ['not_found', 'in_use', 'conflict'],
      handle: ({ actor, params, query }) =>
        admin.deleteRole(actor, params.id, query.confirm === 'true'),
    }),
    route({
      method: 'get',
      path: '/admin/api/roles/:id/usage',
      tag: 'roles',
      summary: 'Users and groups that hold this role.',
      params: idParams,
      response: usageView,
      errors: ['not_found'],
      handle: ({ params }) => admin.roleUsage(params.id),
    }),
  ];
}

/** `/admin/api/groups`: CRUD, members, and deletion that needs `?confirm=true` when in use. */
export function groupRoutes(deps: WebDeps): ApiRoute[] {
  const admin = deps.services.adminRolesAndGroups;
  return [
    route({
      method: 'get',
      path: '/admin/api/groups',
      tag: 'groups',
      summary: 'List groups (by name, paginated).',
      query: pageQuery,
      response: pageOf(groupView),
      handle: async ({ query }) =>
        paginate(await deps.services.adminRolesAndGroups.listGroups(), query),
    }),
    route({
      method: 'post',
      path: '/admin/api/groups',
      tag: 'groups',
      summary: 'Create a group.',
      body: groupCreateBody,
      status: 201,
      response: groupView,
      errors: ['conflict'],
      handle: ({ actor, body }) => admin.createGroup(actor, body),
    }),
    route({
      method: 'get',
      path: '/admin/api/groups/:id',
      tag: 'groups',
      summary: 'Get one group.',
      params: idParams,
      response: groupView,
      errors: ['not_found'],
      handle: ({ params }) => admin.getGroup(params.id),
    }),
    route({
      method: 'patch',
      path: '/admin/api/groups/:id',
      tag: 'groups',
      summary: "Change a group (name, roles); applies at each member's next sign-in.",
      params: idParams,
      body: groupPatchBody,
      response: groupView,
      errors: ['not_found', 'conflict'],
      handle: ({ actor, params, body }) => admin.updateGroup(actor, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/admin/api/groups/:id',
      tag: 'groups',
      summary: 'Delete a group; when it has members, answers 409 in_use unless ?confirm=true.',
      params: idParams,
      query: deleteQuery,
      status: 204,
      errors: ['not_found', 'in_use', 'conflict'],
      handle: ({ actor, params, query }) =>
        admin.deleteGroup(actor, params.id, query.confirm === 'true'),
    }),
    route({
      method: 'get',
      path: '/admin/api/groups/:id/usage',
      tag: 'groups',
      summary: 'Members of this group.',
      params: idParams,
      response: usageView,
      errors: ['not_found'],
      handle: ({ params }) => admin.groupUsage(params.id),
    }),
  ];
}
