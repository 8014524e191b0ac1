import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../domain/password-policy.ts';

/**
 * Zod schemas of the admin JSON API: the same objects validate requests and build the OpenAPI
 * document, so the two cannot disagree. Request bodies and queries are strict (unknown fields are
 * a 400). Ids are plain strings here: a malformed id is simply unknown (404), never a 400.
 */

const id = z.string().min(1).max(64).meta({ description: 'Object id (24 hex digits).' });
const ids = z.array(id).max(200);
const name = z.string().trim().min(1).max(100);

export const idParams = z.object({ id }).strict();

export const pageQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

export const userListQuery = pageQuery
  .extend({ search: z.string().trim().max(200).optional() })
  .strict();
export const auditQuery = pageQuery
  .extend({
    targetId: id.optional().meta({ description: 'Events about, or made by, this id.' }),
  })
  .strict();
export const deleteQuery = z
  .object({
    confirm: z
      .enum(['true', 'false'])
      .optional()
      .meta({ description: 'Must be "true" to delete something that is still in use.' }),
  })
  .strict();

const email = z.email().max(254);
const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH)
  .max(PASSWORD_MAX_LENGTH)
  .meta({
    description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not a common password and not containing the email's local part or the name (NIST SP 800-63B 5.1.1.2); otherwise 400 \`validation_failed\`.`,
  });
const roleIds = ids.meta({
  description: 'Ids of existing roles; an unknown id is a 400 `validation_failed`.',
});
const groupIds = ids.meta({
  description: 'Ids of existing groups; an unknown id is a 400 `validation_failed`.',
});

export const userCreateBody = z
  .object({
    email,
    name: z.string().trim().max(200).default(''),
    password,
    roleIds: roleIds.default([]),
    groupIds: groupIds.default([]),
  })
  .strict();

export const userPatchBody = z
  .object({
    email: email.optional(),
    name: z.string().trim().max(200).optional(),
    password: password.optional(),
    roleIds: roleIds.optional(),
    groupIds: groupIds.optional(),
    disabled: z.boolean().optional(),
    twoFactorEnabled: z.boolean().optional().meta({
      description:
        'Only `false` is accepted: an administrator can turn 2FA off, never on (only the user can, from their Profile page).',
    }),
  })
  .strict();

export const signOutEverywhereBody = z
  .object({
    forgetRememberedBrowsers: z.boolean().default(false).meta({
      description:
        "Also forget the user's remembered browsers (they are asked for a code again). Default false: they stay.",
    }),
  })
  .strict();

/** A role's grace period for 2FA enforcement, in whole days (0: none). */
const graceDays = z.number().int().min(0).max(365).meta({
  description:
    'Days a holder who owes 2FA may still sign in without it, counted from their first sign-in after they owe it (0: set up at the next sign-in).',
});

export const roleCreateBody = z
  .object({
    name,
    enforce2fa: z.boolean().default(false),
    enforce2faGraceDays: graceDays.default(0),
    admin: z.boolean().default(false),
  })
  .strict();
export const rolePatchBody = z
  .object({
    name: name.optional(),
    enforce2fa: z.boolean().optional(),
    enforce2faGraceDays: graceDays.optional(),
    admin: z.boolean().optional(),
  })
  .strict();

export const groupCreateBody = z.object({ name, roleIds: roleIds.default([]) }).strict();
export const groupPatchBody = z
  .object({ name: name.optional(), roleIds: roleIds.optional() })
  .strict();

// Response shapes: the services produce them; test/integration/admin-api-fuzz.test.ts checks
// every answer against the OpenAPI document built from them, so the two cannot drift.

export const userView = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    disabled: z.boolean(),
    roleIds: z.array(z.string()),
    groupIds: z.array(z.string()),
    twoFactorEnabled: z.boolean(),
    twoFactorLock: z
      .object({
        hardStop: z.boolean(),
        lockedUntil: z.iso.datetime().nullable(),
        failures: z.number().int(),
        lastFailureAt: z.iso.datetime().nullable(),
      })
      .nullable(),
    twoFactorRequired: z.boolean(),
    twoFactorRequiredBy: z.array(z.object({ role: z.string(), group: z.string().nullable() })),
    twoFactorDeadline: z.iso.datetime().nullable().meta({
      description:
        'While a role grace period runs: when the user must have 2FA (null: no grace period, not started, or 2FA is on).',
    }),
    recoveryCodesLeft: z.number().int().nullable(),
    isAdmin: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export const roleView = z
  .object({
    id: z.string(),
    name: z.string(),
    enforce2fa: z.boolean(),
    enforce2faGraceDays: z.number().int(),
    admin: z.boolean(),
  })
  .meta({ id: 'Role' });

export const groupView = z
  .object({ id: z.string(), name: z.string(), roleIds: z.array(z.string()) })
  .meta({ id: 'Group' });

export const usageView = z
  .object({
    users: z.array(z.object({ id: z.string(), email: z.string() })),
    groups: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: 'Usage', description: 'Where a role or group is used (for a group: its members).' });

export const auditEventView = z
  .object({
    id: z.string(),
    at: z.iso.datetime(),
    actorId: z.string().nullable(),
    actorEmail: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    targetLabel: z.string().nullable(),
    ip: z.string().nullable(),
    result: z.enum(['success', 'failure']),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const errorView = z
  .object({
    error: z.string().meta({ description: 'Stable error code (src/domain/errors.ts).' }),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

/** `{ items, total, page, pageSize }` around a list of `item`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  });
}

/** Slices an in-memory list into one page. */
export function paginate<T>(all: T[], query: { page: number; pageSize: number }) {
  const start = (query.page - 1) * query.pageSize;
  return {
    items: all.slice(start, start + query.pageSize),
    total: all.length,
    page: query.page,
    pageSize: query.pageSize,
  };
}
