import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppError } from '../../../domain/errors.ts';
import type { Role } from '../../../store/repos/roles.repo.ts';
import type { WebDeps } from '../../context.ts';
import {
  isChecked,
  noticeFor,
  pageError,
  readAdminForm,
  renderAdmin,
  renderConfirmDelete,
  requireAdmin,
  seeOther,
  type AdminRequest,
  type Form,
} from './common.ts';
import { formNumber, formText, parseFormBody, type FieldMessages } from './form-body.ts';
import { roleCreateBody } from '../api/schemas.ts';
import { formErrorLocals } from './field-errors.ts';

/** The role form's fields top to bottom, and the input id of a body field named otherwise. */
const ROLE_FIELDS = ['name', 'graceDays'];
const ROLE_FIELD_IDS = { enforce2faGraceDays: 'graceDays' };

const NOTICES: Record<string, string> = {
  created: 'The role was created.',
  saved: 'The changes were saved. They apply at each user’s next sign-in.',
  deleted: 'The role was deleted.',
};

/** What the role form holds, as typed (the grace period may not be a number yet). */
interface RoleValues {
  name: string;
  enforce2fa: boolean;
  enforce2faGraceDays: number | string;
  admin: boolean;
}

function roleValues(form: Form): RoleValues {
  return {
    name: formText(form, 'name'),
    enforce2fa: isChecked(form, 'enforce2fa'),
    enforce2faGraceDays: formNumber(form, 'graceDays', 0),
    admin: isChecked(form, 'admin'),
  };
}

const ROLE_FIELD_MESSAGES: FieldMessages = {
  name: 'Enter a name for the role (100 characters at most).',
  enforce2faGraceDays: 'Enter the grace period as a whole number of days from 0 to 365.',
};

/** The form's values checked with the API's role schema, or a 400 naming the field to fix. */
function validRole(values: RoleValues) {
  return parseFormBody(roleCreateBody, values, ROLE_FIELD_MESSAGES);
}

/** Roles: list, create, rename, flags (enforce 2FA, administrator), delete with confirmation. */
export function adminRolePageRoutes(deps: WebDeps): Router {
  const router = new Router();
  const service = deps.services.adminRolesAndGroups;

  const renderList = async (
    ctx: Context,
    admin: AdminRequest,
    extra: { values?: RoleValues; failure?: AppError } = {},
    status = 200,
  ) => {
    renderAdmin(
      ctx,
      deps,
      admin,
      'roles',
      {
        roles: await deps.services.adminRolesAndGroups.listRoles(),
        values: extra.values ?? {
          name: '',
          enforce2fa: false,
          enforce2faGraceDays: 0,
          admin: false,
        },
        ...formErrorLocals(extra.failure, ROLE_FIELDS, ROLE_FIELD_IDS),
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  const renderEdit = async (
    ctx: Context,
    admin: AdminRequest,
    role: Role,
    extra: { values?: RoleValues; failure?: AppError } = {},
    status = 200,
  ) => {
    renderAdmin(
      ctx,
      deps,
      admin,
      'role-edit',
      {
        role,
        values: extra.values ?? role,
        usage: await service.roleUsage(role.id),
        ...formErrorLocals(extra.failure, ROLE_FIELDS, ROLE_FIELD_IDS),
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  router.get('/admin/roles', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (admin) await renderList(ctx, admin);
  });

  router.post('/admin/roles', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const values = roleValues(form);
    try {
      const role = await service.createRole(admin.actor, validRole(values));
      seeOther(ctx, `/admin/roles/${role.id}?notice=created`);
    } catch (error) {
      const shown = pageError(error);
      await renderList(ctx, admin, { values, failure: shown }, shown.status);
    }
  });

  router.get('/admin/roles/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (admin) await renderEdit(ctx, admin, await service.getRole(ctx.params.id ?? ''));
  });

  router.post('/admin/roles/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const role = await service.getRole(ctx.params.id ?? '');
    const values = roleValues(form);
    try {
      const valid = validRole(values);
      const changes: Partial<typeof valid> = {};
      if (valid.name !== role.name) changes.name = valid.name;
      if (valid.enforce2fa !== role.enforce2fa) changes.enforce2fa = valid.enforce2fa;
      if (valid.enforce2faGraceDays !== role.enforce2faGraceDays)
        changes.enforce2faGraceDays = valid.enforce2faGraceDays;
      if (valid.admin !== role.admin) changes.admin = valid.admin;
      if (Object.keys(changes).length) await service.updateRole(admin.actor, role.id, changes);
      seeOther(ctx, `/admin/roles/${role.id}?notice=saved`);
    } catch (error) {
      const shown = pageError(error);
      await renderEdit(
        ctx,
        admin,
        await service.getRole(role.id),
        { values, failure: shown },
        shown.status,
      );
    }
  });

  router.post('/admin/roles/:id/delete', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const role = await service.getRole(ctx.params.id ?? '');
    try {
      await service.deleteRole(admin.actor, role.id, isChecked(form, 'confirm', 'yes'));
      seeOther(ctx, '/admin/roles?notice=deleted');
    } catch (error) {
      renderConfirmDelete(
        ctx,
        deps,
        admin,
        {
          kind: 'role',
          label: role.name,
          action: `/admin/roles/${role.id}/delete`,
          back: `/admin/roles/${role.id}`,
        },
        pageError(error),
      );
    }
  });

  return router;
}
