import type { Context } from 'koa';
import { z } from 'zod';
import { COMPLIANCE_FILTERS } from '../../domain/two-factor-compliance.ts';
import type { CsvFile } from '../../services/admin/compliance.ts';

/**
 * The filters of the 2FA compliance report, shared by the admin page and the admin API so both
 * accept exactly the same values (a bad one is a 400 naming the accepted ones). Unknown keys are
 * dropped here; the API makes them a 400 with `.strict()`.
 */
export const complianceFilters = z.object({
  status: z
    .enum(COMPLIANCE_FILTERS, {
      error: `must be one of: ${COMPLIANCE_FILTERS.join(', ')}.`,
    })
    .optional()
    .meta({
      description:
        'Only users with this status (`enrolled`, `in_grace`, `overdue`, `not_required`), every user who must use 2FA (`required`), or every user whose code sign-in is locked or delayed (`locked`).',
    }),
  q: z
    .string({ error: 'must be a single text value.' })
    .trim()
    .max(200, { error: 'must be at most 200 characters.' })
    .optional()
    .meta({ description: 'Part of the email or name (case-insensitive).' }),
});

/** Sends a CSV file as a download (the caller sets the body). */
export function csvDownload(ctx: Context, file: CsvFile): void {
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${file.filename}"`);
}
