import type { Context } from 'koa';
import { AppError, isAppError } from '../../../domain/errors.ts';
import type { Usage } from '../../../services/admin/roles-groups.ts';
import type { Actor } from '../../../services/audit.ts';
import type { User } from '../../../store/repos/users.repo.ts';
import { requireConsoleUser, startConsoleLogin } from '../../console/session.ts';
import type { WebDeps } from '../../context.ts';
import { readForm } from '../../middleware/body.ts';
import { NO_FORM_ERRORS } from './field-errors.ts';

/** The signed-in administrator behind an admin page request. */
export interface AdminRequest {
  user: User;
  actor: Actor;
}

/** A submitted form: repeated keys are arrays. */
export type Form = Record<string, string | string[]>;

/** Page size of the admin lists. */
export const PAGE_SIZE = 20;

/**
 * The signed-in administrator, or null after redirecting an anonymous GET to sign in (the caller
 * stops). A signed-in user without an admin role gets a 403 page. Admin status is read fresh on
 * every request, so removing a role takes effect at once.
 */
export async function requireAdmin(ctx: Context, deps: WebDeps): Promise<AdminRequest | null> {
  ctx.set('Cache-Control', 'no-store');
  const current = await requireConsoleUser(ctx, deps);
  if (!current) return null;
  const profile = await deps.services.account.accessProfile(current.user);
  if (!profile.isAdmin) {
    throw new AppError('forbidden', 'The administration pages are only for administrators.');
  }
  // Admins always use two factors: a console session from a password-only sign-in (made before
  // the role was given) signs in again, which now asks for the code or the set-up.
  if (deps.config.adminsNeedTwoFactor && !current.session.amr.includes('mfa')) {
    if (ctx.method !== 'GET') {
      throw new AppError('forbidden', 'Administration needs a sign-in with your second factor.');
    }
    startConsoleLogin(ctx, deps, ctx.originalUrl);
    return null;
  }
  return {
    user: current.user,
    actor: { id: current.user.id, email: current.user.email, ip: ctx.ip },
  };
}

/** Reads a posted admin form and checks its CSRF token (403 when wrong or missing). */
export async function readAdminForm(ctx: Context, deps: WebDeps): Promise<Form> {
  const form = await readForm(ctx);
  deps.csrf.verify(ctx, form.csrf);
  return form;
}

function firstValue(form: Form, name: string): string {
  const raw = form[name];
  return Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '');
}

/** One text field of a form, trimmed; '' when absent (a repeated field keeps its first value). */
export function textField(form: Form, name: string, max = 500): string {
  const value = firstValue(form, name);
  if (value.length > max) throw new AppError('validation_failed', `"${name}" is too long.`);
  return value.trim();
}

/** True when two id lists hold the same ids (checkbox lists come back in any order). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;
}

/** True when a checkbox with `value="on"` (or a given value) was submitted. */
export function isChecked(form: Form, name: string, value = 'on'): boolean {
  return textField(form, name) === value;
}

/**
 * Errors an admin can fix on the same page (duplicates, guard rails, validation), returned to be
 * shown there; anything else (not found, CSRF, session, outages) is rethrown to the error page.
 */
export function pageError(error: unknown): AppError {
  if (
    isAppError(error) &&
    ['conflict', 'in_use', 'validation_failed', 'forbidden', 'bad_request'].includes(error.code)
  ) {
    return error;
  }
  throw error;
}

/**
 * Renders `views/admin/<view>.pug` with the admin layout's locals; a form without errors unless
 * `locals` carry them (`formErrorLocals`).
 */
export function renderAdmin(
  ctx: Context,
  deps: WebDeps,
  admin: AdminRequest,
  view: string,
  locals: Record<string, unknown> = {},
  status = 200,
): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = deps.render(`admin/${view}`, {
    wide: true,
    me: admin.user,
    csrf: deps.csrf.token(ctx),
    ...NO_FORM_ERRORS,
    ...locals,
  });
}

/** Redirects after a successful POST (303, so a reload does not post again). */
export function seeOther(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}

/** The requested page number (1 when absent or malformed). */
export function pageNumber(value: unknown): number {
  const n = Number(typeof value === 'string' ? value : 1);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/** Previous/next links for a paginated list. */
export interface Pager {
  page: number;
  pages: number;
  total: number;
  prev: string | null;
  next: string | null;
}

/** Builds the pager of a list at `path`, keeping the other query parameters. */
export function pager(
  path: string,
  params: Record<string, string>,
  page: number,
  total: number,
  pageSize = PAGE_SIZE,
): Pager {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const link = (p: number) => {
    const query = new URLSearchParams({ ...params, page: String(p) });
    return `${path}?${query.toString()}`;
  };
  return {
    page,
    pages,
    total,
    prev: page > 1 ? link(Math.min(page - 1, pages)) : null,
    next: page < pages ? link(page + 1) : null,
  };
}

/** Messages shown after a redirect (`?notice=...`); unknown keys show nothing. */
export function noticeFor(ctx: Context, notices: Record<string, string>): string | undefined {
  const key = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
  return Object.hasOwn(notices, key) ? notices[key] : undefined;
}

/** What a confirm-delete page is about and where its buttons lead. */
export interface DeleteSubject {
  kind: 'user' | 'role' | 'group';
  label: string;
  action: string;
  back: string;
}

/**
 * The confirm-delete page: asks for confirmation, lists where the subject is still used when the
 * deletion was refused as `in_use`, or shows why the deletion failed.
 */
export function renderConfirmDelete(
  ctx: Context,
  deps: WebDeps,
  admin: AdminRequest,
  subject: DeleteSubject,
  failure?: AppError,
): void {
  const inUse = failure?.code === 'in_use';
  renderAdmin(
    ctx,
    deps,
    admin,
    'confirm-delete',
    {
      ...subject,
      usage: inUse ? usageOf(failure) : null,
      error: failure?.message,
      askConfirm: inUse,
    },
    failure?.status ?? 200,
  );
}

/** Where a role or group is used, from an `in_use` error's details. */
function usageOf(error: AppError): Usage {
  const details = error.details;
  const users = Array.isArray(details?.users) ? (details.users as Usage['users']) : [];
  const groups = Array.isArray(details?.groups) ? (details.groups as Usage['groups']) : [];
  return { users, groups };
}
