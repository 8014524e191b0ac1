import { AppError } from '../../../domain/errors.ts';
import type { WebDeps } from '../../context.ts';
import { route, type ApiRoute } from './route.ts';
import {
  auditEventView,
  auditQuery,
  idParams,
  pageOf,
  pageQuery,
  signOutEverywhereBody,
  userCreateBody,
  userListQuery,
  userPatchBody,
  userView,
} from './schemas.ts';

const ENABLE_REFUSED =
  'An administrator cannot turn on two-factor authentication for someone else: the user must scan the secret with their own authenticator app, from their Profile page ("Enable Two-Factor Authentication"). Administrators can only turn it off.';

/** Refuses any attempt to hand the API a TOTP secret, with a clearer answer than "unknown key". */
function refuseSecrets(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const keys = Object.keys(raw);
  if (keys.some((k) => /secret|totp|otp|recovery/i.test(k))) {
    throw new AppError('forbidden', ENABLE_REFUSED);
  }
}

/**
 * `/admin/api/users`: list, search, create, read, change, delete, 2FA off, sign out everywhere,
 * per-user audit.
 */
export function userRoutes(deps: WebDeps): ApiRoute[] {
  const users = deps.services.adminUsers;
  return [
    route({
      method: 'get',
      path: '/admin/api/users',
      tag: 'users',
      summary: 'List users (search by email or name, paginated).',
      query: userListQuery,
      response: pageOf(userView),
      handle: ({ query }) => users.list(query),
    }),
    route({
      method: 'post',
      path: '/admin/api/users',
      tag: 'users',
      summary: 'Create a user.',
      body: userCreateBody,
      status: 201,
      response: userView,
      errors: ['conflict', 'forbidden'],
      inspectBody: refuseSecrets,
      handle: ({ actor, body }) => users.create(actor, body),
    }),
    route({
      method: 'get',
      path: '/admin/api/users/:id',
      tag: 'users',
      summary: 'Get one user, with 2FA state and why 2FA is required.',
      params: idParams,
      response: userView,
      errors: ['not_found'],
      handle: ({ params }) => users.get(params.id),
    }),
    route({
      method: 'patch',
      path: '/admin/api/users/:id',
      tag: 'users',
      summary: 'Change a user.',
      description:
        "A new password or disabling ends all of the user's sessions and remembered browsers. `twoFactorEnabled: false` turns 2FA off; `true` is refused (403) unless it is already on.",
      params: idParams,
      body: userPatchBody,
      response: userView,
      errors: ['not_found', 'conflict', 'forbidden'],
      inspectBody: refuseSecrets,
      handle: ({ actor, params, body }) => users.update(actor, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/admin/api/users/:id',
      tag: 'users',
      summary: 'Delete a user (not yourself).',
      params: idParams,
      status: 204,
      errors: ['not_found', 'forbidden'],
      handle: ({ actor, params }) => users.remove(actor, params.id),
    }),
    route({
      method: 'post',
      path: '/admin/api/users/:id/2fa/disable',
      tag: 'users',
      summary: "Turn a user's two-factor authentication off.",
      description:
        'Removes the TOTP secret and recovery codes and forgets every remembered browser. Their next sign-in asks for no code (unless a role enforces 2FA, then they enroll again).',
      params: idParams,
      response: userView,
      errors: ['not_found'],
      handle: ({ actor, params }) => users.disableTwoFactor(actor, params.id),
    }),
    route({
      method: 'post',
      path: '/admin/api/users/:id/unlock',
      tag: 'users',
      summary: "Clear a user's second-factor lock (wrong codes), whether or not 2FA is on.",
      description:
        'After repeated wrong codes a user is delayed, then hard-stopped; only this clears a hard stop. `twoFactorLock` in the user says whether, since when and why.',
      params: idParams,
      response: userView,
      errors: ['not_found'],
      handle: ({ actor, params }) => users.unlockTwoFactor(actor, params.id),
    }),
    route({
      method: 'post',
      path: '/admin/api/users/:id/sign-out-everywhere',
      tag: 'users',
      summary: 'Sign a user out everywhere.',
      description:
        'Ends every single sign-on session of the user, every grant and so every refresh and access token the apps hold, and their account and admin page sessions. Their remembered browsers stay unless `forgetRememberedBrowsers` is true. Send `{}` for the defaults.',
      params: idParams,
      body: signOutEverywhereBody,
      response: userView,
      errors: ['not_found'],
      handle: async ({ actor, params, body }) => {
        await deps.services.sessions.signOutEverywhere(params.id, actor, {
          forgetBrowsers: body.forgetRememberedBrowsers,
        });
        return users.get(params.id);
      },
    }),
    route({
      method: 'post',
      path: '/admin/api/users/:id/2fa/enable',
      tag: 'users',
      summary: 'Always refused: only the user can turn 2FA on.',
      params: idParams,
      errors: ['forbidden'],
      handle: () => Promise.reject(new AppError('forbidden', ENABLE_REFUSED)),
    }),
    route({
      method: 'get',
      path: '/admin/api/users/:id/audit',
      tag: 'users',
      summary: 'Audit events about, or made by, one user (newest first).',
      params: idParams,
      query: pageQuery,
      response: pageOf(auditEventView),
      errors: ['not_found'],
      handle: async ({ params, query }) => {
        await users.get(params.id);
        const page = await deps.services.audit.list({ targetId: params.id, ...query });
        return { ...page, ...query };
      },
    }),
  ];
}

/** `/admin/api/audit`: the whole audit trail, newest first. */
export function auditRoutes(deps: WebDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/admin/api/audit',
      tag: 'audit',
      summary: 'The audit trail (newest first), optionally about one id.',
      query: auditQuery,
      response: pageOf(auditEventView),
      handle: async ({ query }) => {
        // Only the documented page fields: echoing the query leaked `targetId` (schema drift).
        const { items, total } = await deps.services.audit.list(query);
        return { items, total, page: query.page, pageSize: query.pageSize };
      },
    }),
  ];
}
