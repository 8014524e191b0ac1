import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  describeComplianceReason,
  type ComplianceFilter,
  type ComplianceStatus,
} from '../../../domain/two-factor-compliance.ts';
import type { ComplianceQuery } from '../../../services/admin/compliance.ts';
import type { WebDeps } from '../../context.ts';
import { complianceFilters, csvDownload } from '../compliance-http.ts';
import { pager, renderAdmin, requireAdmin } from './common.ts';

/** Rows per page of the table (the counts and the CSV always cover every match). */
const ROWS_PER_PAGE = 50;

/** The filter choices, in the order the select and the summary show them. */
const FILTER_LABELS: Record<ComplianceFilter, string> = {
  required: 'Must use 2FA',
  enrolled: 'Has 2FA',
  in_grace: 'In grace period',
  overdue: 'Overdue (set up at next sign-in)',
  not_required: 'Not required, no 2FA',
  locked: 'Locked',
};

/** A row's status as the table shows it. */
const STATUS_LABELS: Record<ComplianceStatus, string> = {
  enrolled: 'Has 2FA',
  in_grace: 'In grace period',
  overdue: 'Overdue',
  not_required: 'Not required',
};

const pageQuery = complianceFilters.extend({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** The validated filters of a page request; a field left empty in the form means "any". */
function filtersOf(ctx: Context) {
  const given = Object.entries(ctx.query).filter(([, value]) => value !== '');
  return pageQuery.parse(Object.fromEntries(given));
}

/** The filters that are set, as query parameters. */
function filterParams(filters: ComplianceQuery): Record<string, string> {
  return {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.q ? { q: filters.q } : {}),
  };
}

/** `path` with the filters that are set. */
function linkTo(path: string, filters: ComplianceQuery): string {
  const query = new URLSearchParams(filterParams(filters)).toString();
  return query ? `${path}?${query}` : path;
}

/**
 * `/admin/compliance`: the 2FA compliance view (who must use 2FA and why, who has it, who is in
 * grace and until when, who is locked) with filters and a summary count per state, and
 * `/admin/compliance.csv`: the same rows as a CSV download.
 */
export function adminCompliancePageRoutes(deps: WebDeps): Router {
  const router = new Router();
  const compliance = deps.services.compliance;

  router.get('/admin/compliance', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const { page, ...filters } = filtersOf(ctx);
    const { items, counts } = await compliance.report(filters);
    const start = (page - 1) * ROWS_PER_PAGE;
    const base = { q: filters.q };
    renderAdmin(ctx, deps, admin, 'compliance', {
      filters: { status: filters.status ?? '', q: filters.q ?? '' },
      filtered: Boolean(filters.status || filters.q),
      options: Object.entries(FILTER_LABELS).map(([value, label]) => ({ value, label })),
      summary: [
        { label: 'All users', count: counts.total, href: linkTo('/admin/compliance', base) },
        ...Object.entries(FILTER_LABELS).map(([value, label]) => ({
          label,
          count: counts[value as ComplianceFilter],
          href: linkTo('/admin/compliance', { ...base, status: value as ComplianceFilter }),
        })),
      ],
      rows: items.slice(start, start + ROWS_PER_PAGE),
      statusLabels: STATUS_LABELS,
      describeReason: describeComplianceReason,
      matching: items.length,
      csvHref: linkTo('/admin/compliance.csv', filters),
      pager: pager('/admin/compliance', filterParams(filters), page, items.length, ROWS_PER_PAGE),
    });
  });

  router.get('/admin/compliance.csv', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    if (!admin) return;
    const { status, q } = filtersOf(ctx);
    const file = await compliance.csv({ status, q });
    csvDownload(ctx, file);
    ctx.body = file.content;
  });

  return router;
}
