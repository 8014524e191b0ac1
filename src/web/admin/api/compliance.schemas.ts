import { z } from 'zod';
import { COMPLIANCE_STATUSES } from '../../../domain/two-factor-compliance.ts';
import { complianceFilters } from '../compliance-http.ts';

/** Query of both compliance operations: unknown parameters are a 400. */
export const complianceQuery = complianceFilters.strict();

const reason = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('role'),
      role: z.string(),
      group: z.string().nullable().meta({ description: 'Null: the role is held directly.' }),
    }),
    z.object({ kind: z.literal('admin') }),
  ])
  .meta({
    id: 'ComplianceReason',
    description: 'A role that enforces 2FA (directly or through a group), or being an admin.',
  });

const row = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    disabled: z.boolean(),
    required: z.boolean().meta({ description: 'The user must use 2FA.' }),
    reasons: z.array(reason),
    hasTwoFactor: z.boolean(),
    twoFactorSince: z.iso.datetime().nullable(),
    status: z.enum(COMPLIANCE_STATUSES).meta({
      description:
        '`enrolled`: has 2FA. `in_grace`: must use 2FA, may still sign in without it until `deadline` (or, with `graceStartsAtNextSignIn`, a grace period that starts at the next sign-in). `overdue`: must set it up at the next sign-in (no grace period, or it ran out: `deadline` in the past). `not_required`: nothing demands it and it is off.',
    }),
    deadline: z.iso.datetime().nullable(),
    graceStartsAtNextSignIn: z.boolean(),
    locked: z.boolean().meta({
      description:
        'Code sign-in refused for now: stopped until an administrator unlocks (`lock.hardStop`) or delayed until `lock.lockedUntil`.',
    }),
    lock: z.object({
      hardStop: z.boolean(),
      lockedUntil: z.iso.datetime().nullable(),
      failures: z.number().int().meta({ description: 'Wrong codes in a row.' }),
    }),
  })
  .meta({ id: 'ComplianceRow' });

const count = z.number().int();

export const complianceReportView = z
  .object({
    items: z.array(row).meta({ description: 'Users matching `q` and `status`, by email.' }),
    counts: z
      .object({
        total: count,
        enrolled: count,
        in_grace: count,
        overdue: count,
        not_required: count,
        required: count,
        locked: count,
      })
      .meta({ description: 'Users matching `q` in each state, whatever `status` asks.' }),
  })
  .meta({ id: 'ComplianceReport' });

export const complianceCsvView = z.string().meta({
  description:
    "RFC 4180 CSV with a header row (email, name, disabled, status, required, reasons, has_2fa, 2fa_since, grace_until, grace_starts_at_next_sign_in, locked, lock_hard_stop, locked_until, failed_codes, id), dates in ISO 8601. Cells starting with = + - @, tab or CR are prefixed with ' so spreadsheets do not run them as formulas.",
});
