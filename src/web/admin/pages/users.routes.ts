import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppError } from '../../../domain/errors.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../domain/password-policy.ts';
import type { AdminUserView, UserUpdateInput } from '../../../services/admin/users.ts';
import type { WebDeps } from '../../context.ts';
import {
  PAGE_SIZE,
  isChecked,
  noticeFor,
  pageError,
  pageNumber,
  pager,
  readAdminForm,
  renderAdmin,
  renderConfirmDelete,
  sameSet,
  requireAdmin,
  seeOther,
  type AdminRequest,
  type Form,
} from './common.ts';
import {
  formList,
  formPassword,
  formText,
  parseFormBody,
  type FieldMessages,
} from './form-body.ts';
import { userCreateBody, userPatchBody } from '../api/schemas.ts';
import { auditRows } from './audit-rows.ts';
import { formErrorLocals } from './field-errors.ts';

/** The fields of the new-user and edit-user forms, top to bottom (where focus goes first). */
const NEW_USER_FIELDS = ['email', 'name', 'password', 'roleIds', 'groupIds'];
const EDIT_USER_FIELDS = ['email', 'name', 'roleIds', 'groupIds', 'password'];

const NOTICES: Record<string, string> = {
  created: 'The user was created.',
  saved: 'The changes were saved.',
  deleted: 'The user was deleted.',
  '2fa-off':
    'Two-factor authentication is off for this user. Their remembered browsers were forgotten.',
  unlocked: 'Second-factor sign-in is unlocked: the user can type codes again.',
  'signed-out':
    'The user is signed out everywhere: every session and refresh token ended. Their remembered browsers were kept.',
  'signed-out-forgot':
    'The user is signed out everywhere: every session and refresh token ended, and their remembered browsers were forgotten.',
};

/** What the user form shows: the stored user, or what the admin just submitted. */
interface UserFormValues {
  email: string;
  name: string;
  roleIds: string[];
  groupIds: string[];
  disabled: boolean;
  twoFactorChecked: boolean;
}

/** The page's wording for a field the API schema refuses. */
const USER_FIELD_MESSAGES: FieldMessages = {
  email: 'Enter a valid email address.',
  name: 'The name is too long (200 characters at most).',
  password: `Enter an initial password of ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
  roleIds: 'Choose at most 200 roles.',
  groupIds: 'Choose at most 200 groups.',
};

function valuesOf(user: AdminUserView): UserFormValues {
  return {
    email: user.email,
    name: user.name,
    roleIds: user.roleIds,
    groupIds: user.groupIds,
    disabled: user.disabled,
    twoFactorChecked: user.twoFactorEnabled,
  };
}

/**
 * Users: list and search, create, edit (2FA off with confirmation), sign out everywhere, delete,
 * per-user audit.
 */
export function adminUserPageRoutes(deps: WebDeps): Router {
  const router = new Router();
  const users = deps.services.adminUsers;

  const choices = async () => ({
    roles: await deps.services.adminRolesAndGroups.listRoles(),
    groups: await deps.services.adminRolesAndGroups.listGroups(),
  });

  const renderEdit = async (
    ctx: Context,
    admin: AdminRequest,
    target: AdminUserView,
    extra: { values?: UserFormValues; failure?: AppError; confirmDisable2fa?: boolean } = {},
    status = 200,
  ) => {
    const [{ roles, groups }, audit] = await Promise.all([
      choices(),
      deps.services.audit.list({ targetId: target.id, page: 1, pageSize: PAGE_SIZE }),
    ]);
    renderAdmin(
      ctx,
      deps,
      admin,
      'user-edit',
      {
        target,
        values: extra.values ?? valuesOf(target),
        roles,
        groups,
        audit: auditRows(audit.items),
        auditTotal: audit.total,
        ...formErrorLocals(extra.failure, EDIT_USER_FIELDS),
        confirmDisable2fa: extra.confirmDisable2fa ?? false,
        notice: noticeFor(ctx, NOTICES),
      },
      status,
    );
  };

  router.get('/admin/users', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const search =
      typeof ctx.query.search === 'string' ? ctx.query.search.trim().slice(0, 200) : '';
    const page = pageNumber(ctx.query.page);
    const result = await users.list({
      ...(search ? { search } : {}),
      page,
      pageSize: PAGE_SIZE,
    });
    renderAdmin(ctx, deps, admin, 'users', {
      search,
      users: result.items,
      pager: pager('/admin/users', search ? { search } : {}, page, result.total),
      notice: noticeFor(ctx, NOTICES),
    });
  });

  router.get('/admin/users/new', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    renderAdmin(ctx, deps, admin, 'user-new', {
      ...(await choices()),
      values: { email: '', name: '', roleIds: [], groupIds: [] },
    });
  });

  router.post('/admin/users', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const values = {
      email: formText(form, 'email'),
      name: formText(form, 'name'),
      roleIds: formList(form, 'roleIds'),
      groupIds: formList(form, 'groupIds'),
    };
    try {
      const password = formPassword(form, 'password');
      const body = parseFormBody(userCreateBody, { ...values, password }, USER_FIELD_MESSAGES);
      const created = await users.create(admin.actor, body);
      seeOther(ctx, `/admin/users/${created.id}?notice=created`);
    } catch (error) {
      const shown = pageError(error);
      renderAdmin(
        ctx,
        deps,
        admin,
        'user-new',
        { ...(await choices()), values, ...formErrorLocals(shown, NEW_USER_FIELDS) },
        shown.status,
      );
    }
  });

  router.get('/admin/users/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    await renderEdit(ctx, admin, await users.get(ctx.params.id ?? ''));
  });

  router.post('/admin/users/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const target = await users.get(ctx.params.id ?? '');
    const { input, values, wantsTwoFactorOff } = userUpdateFrom(form, target);
    if (wantsTwoFactorOff && !isChecked(form, 'confirmDisable2fa', 'yes')) {
      await renderEdit(ctx, admin, target, { values, confirmDisable2fa: true });
      return;
    }
    try {
      const body = parseFormBody(userPatchBody, input, {
        ...USER_FIELD_MESSAGES,
        password: `Enter a new password of ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
      });
      if (Object.keys(body).length) await users.update(admin.actor, target.id, body);
      seeOther(ctx, `/admin/users/${target.id}?notice=${wantsTwoFactorOff ? '2fa-off' : 'saved'}`);
    } catch (error) {
      const shown = pageError(error);
      await renderEdit(
        ctx,
        admin,
        await users.get(target.id),
        { values, failure: shown },
        shown.status,
      );
    }
  });

  router.post('/admin/users/:id/unlock', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    await readAdminForm(ctx, deps);
    const target = await users.unlockTwoFactor(admin.actor, ctx.params.id ?? '');
    seeOther(ctx, `/admin/users/${target.id}?notice=unlocked`);
  });

  router.post('/admin/users/:id/sign-out-everywhere', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const forgetBrowsers = isChecked(form, 'forgetBrowsers');
    const id = ctx.params.id ?? '';
    // An unknown user is a 404 page (the service finds none); nothing ends.
    await deps.services.sessions.signOutEverywhere(id, admin.actor, { forgetBrowsers });
    const notice = forgetBrowsers ? 'signed-out-forgot' : 'signed-out';
    seeOther(ctx, `/admin/users/${encodeURIComponent(id)}?notice=${notice}`);
  });

  router.post('/admin/users/:id/delete', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const form = await readAdminForm(ctx, deps);
    const target = await users.get(ctx.params.id ?? '');
    const subject = {
      kind: 'user' as const,
      label: target.email,
      action: `/admin/users/${target.id}/delete`,
      back: `/admin/users/${target.id}`,
    };
    if (!isChecked(form, 'confirm', 'yes')) {
      renderConfirmDelete(ctx, deps, admin, subject);
      return;
    }
    try {
      await users.remove(admin.actor, target.id);
      seeOther(ctx, '/admin/users?notice=deleted');
    } catch (error) {
      renderConfirmDelete(ctx, deps, admin, subject, pageError(error));
    }
  });

  return router;
}

/**
 * Turns the edit form into a service update with only the fields that changed. The 2FA checkbox
 * is disabled (so never submitted) while 2FA is off: its absence means "turn off" only when the
 * page showed it on (`twoFactorShown=on`) and 2FA is still on, and the page never asks to turn
 * 2FA on.
 */
function userUpdateFrom(
  form: Form,
  target: AdminUserView,
): { input: UserUpdateInput; values: UserFormValues; wantsTwoFactorOff: boolean } {
  const shownOn = formText(form, 'twoFactorShown') === 'on';
  const wantsTwoFactorOff =
    target.twoFactorEnabled && shownOn && !isChecked(form, 'twoFactorEnabled');
  const values: UserFormValues = {
    email: formText(form, 'email'),
    name: formText(form, 'name'),
    roleIds: formList(form, 'roleIds'),
    groupIds: formList(form, 'groupIds'),
    disabled: isChecked(form, 'disabled'),
    twoFactorChecked: target.twoFactorEnabled && !wantsTwoFactorOff,
  };
  const input: UserUpdateInput = {};
  if (values.email.toLowerCase() !== target.email.toLowerCase()) input.email = values.email;
  if (values.name !== target.name) input.name = values.name;
  if (!sameSet(values.roleIds, target.roleIds)) input.roleIds = values.roleIds;
  if (!sameSet(values.groupIds, target.groupIds)) input.groupIds = values.groupIds;
  if (values.disabled !== target.disabled) input.disabled = values.disabled;
  const password = formPassword(form, 'password');
  if (password !== undefined) input.password = password;
  if (wantsTwoFactorOff) input.twoFactorEnabled = false;
  return { input, values, wantsTwoFactorOff };
}
