import Router from '@koa/router';
import { z } from 'zod';
import type { WebDeps } from '../../context.ts';
import { actionsOfKind, AUDIT_KINDS, AUDIT_LABELS } from '../audit-labels.ts';
import { auditRows } from './audit-rows.ts';
import { PAGE_SIZE, pager, renderAdmin, requireAdmin } from './common.ts';

/** What the filter form shows; '' is "any". */
interface AuditFilterValues {
  kind: string;
  result: '' | 'success' | 'failure';
  q: string;
}

/** The page's wording for a query parameter it refuses, whatever was wrong with it. */
const QUERY_MESSAGES: Record<string, string> = {
  kind: 'Choose the kind of event from the list.',
  result: 'Choose the result from the list.',
  q: 'Search with one text of 200 characters at most.',
  page: 'The page number must be a whole number from 1 to 100000.',
};

/**
 * The audit page's query string. Each parameter at most once; unknown parameters are ignored
 * (links may carry tracking parameters), wrong values of known ones are refused.
 */
const auditPageQuery = z.object({
  kind: z
    .string()
    .refine((value) => value === '' || actionsOfKind(value) !== null)
    .default(''),
  result: z.enum(['', 'success', 'failure']).default(''),
  q: z.string().max(200).default(''),
  page: z
    .string()
    .regex(/^[1-9]\d{0,5}$/)
    .transform(Number)
    .refine((n) => n <= 100_000)
    .default(1),
});

/** The kinds of event the filter offers: each kind, then its actions one by one. */
const KIND_OPTIONS = AUDIT_KINDS.map((kind) => ({
  label: kind.label,
  options: [
    { value: kind.value, label: `All: ${kind.label.toLowerCase()}` },
    ...kind.actions.map((action) => ({ value: action, label: AUDIT_LABELS[action] })),
  ],
}));

/** The audit trail, newest first, paginated, filtered by kind of event, result and email. */
export function adminAuditPageRoutes(deps: WebDeps): Router {
  const router = new Router();
  router.get('/admin/audit', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const parsed = auditPageQuery.safeParse(ctx.query);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? '');
      renderAdmin(
        ctx,
        deps,
        admin,
        'audit',
        {
          filters: { kind: '', result: '', q: '' } satisfies AuditFilterValues,
          kindOptions: KIND_OPTIONS,
          filtered: true,
          events: null,
          error: QUERY_MESSAGES[field] ?? 'This filter cannot be read: clear it and try again.',
        },
        400,
      );
      return;
    }
    const { page, ...rest } = parsed.data;
    const filters: AuditFilterValues = { ...rest, q: rest.q.trim() };
    const { items, total } = await deps.services.audit.list({
      ...(filters.kind ? { actions: actionsOfKind(filters.kind) ?? [] } : {}),
      ...(filters.result ? { result: filters.result } : {}),
      ...(filters.q ? { search: filters.q } : {}),
      page,
      pageSize: PAGE_SIZE,
    });
    const kept = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
    renderAdmin(ctx, deps, admin, 'audit', {
      filters,
      kindOptions: KIND_OPTIONS,
      filtered: Object.keys(kept).length > 0,
      events: auditRows(items),
      pager: pager('/admin/audit', kept, page, total),
    });
  });
  return router;
}
