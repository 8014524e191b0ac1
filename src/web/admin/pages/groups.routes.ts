import Router from '@koa/router';
import type { Context } from 'koa';
import type { Group } from '../../../store/repos/groups.repo.ts';
import type { WebDeps } from '../../context.ts';
import {
  isChecked,
  listField,
  noticeFor,
  pageError,
  readAdminForm,
  renderAdmin,
  renderConfirmDelete,
  requireAdmin,
  sameSet,
  seeOther,
  textField,
  validation,
  type AdminRequest,
} from './common.ts';

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
    extra: { values?: GroupFormValues; error?: string } = {},
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
        error: extra.error,
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  const renderEdit = async (
    ctx: Context,
    admin: AdminRequest,
    group: Group,
    extra: { values?: GroupFormValues; error?: string } = {},
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
        error: extra.error,
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  const valuesFrom = (form: Record<string, string | string[]>): GroupFormValues => ({
    name: textField(form, 'name', 100),
    roleIds: listField(form, 'roleIds'),
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
      if (!values.name) throw validation('Enter a name for the group.');
      const group = await service.createGroup(admin.actor, values);
      seeOther(ctx, `/admin/groups/${group.id}?notice=created`);
    } catch (error) {
      const shown = pageError(error);
      await renderList(ctx, admin, { values, error: shown.message }, shown.status);
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
      if (!values.name) throw validation('Enter a name for the group.');
      const changes: { name?: string; roleIds?: string[] } = {};
      if (values.name !== group.name) changes.name = values.name;
      if (!sameSet(values.roleIds, group.roleIds)) changes.roleIds = values.roleIds;
      if (Object.keys(changes).length) await service.updateGroup(admin.actor, group.id, changes);
      seeOther(ctx, `/admin/groups/${group.id}?notice=saved`);
    } catch (error) {
      const shown = pageError(error);
      await renderEdit(
        ctx,
        admin,
        await service.getGroup(group.id),
        { values, error: shown.message },
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
