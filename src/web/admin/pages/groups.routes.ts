import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppError } from '../../../domain/errors.ts';
import type { Group } from '../../../store/repos/groups.repo.ts';
import type { WebDeps } from '../../context.ts';
import {
  isChecked,
  noticeFor,
  pageError,
  readAdminForm,
  renderAdmin,
  renderConfirmDelete,
  requireAdmin,
  sameSet,
  seeOther,
  type AdminRequest,
} from './common.ts';
import { formList, formText, parseFormBody, type FieldMessages } from './form-body.ts';
import { groupCreateBody } from '../api/schemas.ts';
import { formErrorLocals } from './field-errors.ts';

/** The group form's fields, top to bottom. */
const GROUP_FIELDS = ['name', 'roleIds'];

const GROUP_FIELD_MESSAGES: FieldMessages = {
  name: 'Enter a name for the group (100 characters at most).',
  roleIds: 'Choose at most 200 roles.',
};

const NOTICES: Record<string, string> = {
  created: 'The group was created.',
  saved: 'The changes were saved. They apply at each member’s next sign-in.',
  deleted: 'The group was deleted.',
};

interface GroupFormValues {
  name: string;
  roleIds: string[];
}

/** Groups: list, create, rename, roles, members, delete with confirmation. */
export function adminGroupPageRoutes(deps: WebDeps): Router {
  const router = new Router();
  const service = deps.services.adminRolesAndGroups;

  const renderList = async (
    ctx: Context,
    admin: AdminRequest,
    extra: { values?: GroupFormValues; failure?: AppError } = {},
    status = 200,
  ) => {
    const roles = await deps.services.adminRolesAndGroups.listRoles();
    renderAdmin(
      ctx,
      deps,
      admin,
      'groups',
      {
        groups: await deps.services.adminRolesAndGroups.listGroups(),
        roles,
        roleNames: Object.fromEntries(roles.map((r) => [r.id, r.name])),
        values: extra.values ?? { name: '', roleIds: [] },
        ...formErrorLocals(extra.failure, GROUP_FIELDS),
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  const renderEdit = async (
    ctx: Context,
    admin: AdminRequest,
    group: Group,
    extra: { values?: GroupFormValues; failure?: AppError } = {},
    status = 200,
  ) => {
    renderAdmin(
      ctx,
      deps,
      admin,
      'group-edit',
      {
        group,
        values: extra.values ?? group,
        roles: await deps.services.adminRolesAndGroups.listRoles(),
        members: await deps.services.adminRolesAndGroups.groupMembers(group.id),
        ...formErrorLocals(extra.failure, GROUP_FIELDS),
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  const valuesFrom = (form: Record<string, string | string[]>): GroupFormValues => ({
    name: formText(form, 'name'),
    roleIds: formList(form, 'roleIds'),
  });

  router.get('/admin/groups', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (admin) await renderList(ctx, admin);
  });

  router.post('/admin/groups', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const values = valuesFrom(await readAdminForm(ctx, deps));
    try {
      const body = parseFormBody(groupCreateBody, values, GROUP_FIELD_MESSAGES);
      const group = await service.createGroup(admin.actor, body);
      seeOther(ctx, `/admin/groups/${group.id}?notice=created`);
    } catch (error) {
      const shown = pageError(error);
      await renderList(ctx, admin, { values, failure: shown }, shown.status);
    }
  });

  router.get('/admin/groups/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (admin) await renderEdit(ctx, admin, await service.getGroup(ctx.params.id ?? ''));
  });

  router.post('/admin/groups/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const values = valuesFrom(await readAdminForm(ctx, deps));
    const group = await service.getGroup(ctx.params.id ?? '');
    try {
      const valid = parseFormBody(groupCreateBody, values, GROUP_FIELD_MESSAGES);
      const changes: { name?: string; roleIds?: string[] } = {};
      if (valid.name !== group.name) changes.name = valid.name;
      if (!sameSet(valid.roleIds, group.roleIds)) changes.roleIds = valid.roleIds;
      if (Object.keys(changes).length) await service.updateGroup(admin.actor, group.id, changes);
      seeOther(ctx, `/admin/groups/${group.id}?notice=saved`);
    } catch (error) {
      const shown = pageError(error);
      await renderEdit(
        ctx,
        admin,
        await service.getGroup(group.id),
        { values, failure: shown },
        shown.status,
      );
    }
  });

  router.post('/admin/groups/:id/delete', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const group = await service.getGroup(ctx.params.id ?? '');
    try {
      await service.deleteGroup(admin.actor, group.id, isChecked(form, 'confirm', 'yes'));
      seeOther(ctx, '/admin/groups?notice=deleted');
    } catch (error) {
      renderConfirmDelete(
        ctx,
        deps,
        admin,
        {
          kind: 'group',
          label: group.name,
          action: `/admin/groups/${group.id}/delete`,
          back: `/admin/groups/${group.id}`,
        },
        pageError(error),
      );
    }
  });

  return router;
}
