import type { WebDeps } from '../../context.ts';
import { csvDownload } from '../compliance-http.ts';
import { complianceCsvView, complianceQuery, complianceReportView } from './compliance.schemas.ts';
import { route, type ApiRoute } from './route.ts';

/** `/admin/api/compliance`: the 2FA compliance report as JSON and as a CSV download. */
export function complianceRoutes(deps: WebDeps): ApiRoute[] {
  const compliance = deps.services.compliance;
  return [
    route({
      method: 'get',
      path: '/admin/api/compliance',
      tag: 'compliance',
      summary: 'The 2FA compliance report: who must use 2FA and why, who has it, grace, locks.',
      description:
        'One item per user matching the filters, sorted by email; `counts` covers every user matching `q` whatever `status` asks. Not paginated (use the CSV for spreadsheets).',
      query: complianceQuery,
      response: complianceReportView,
      handle: ({ query }) => compliance.report(query),
    }),
    route({
      method: 'get',
      path: '/admin/api/compliance.csv',
      tag: 'compliance',
      summary: 'The same report as a CSV download (same filters).',
      description:
        'Answers `text/csv; charset=utf-8` with `Content-Disposition: attachment; filename="twofold-2fa-compliance-YYYY-MM-DD.csv"`.',
      query: complianceQuery,
      response: complianceCsvView,
      responseType: 'text/csv',
      handle: async ({ query, ctx }) => {
        const file = await compliance.csv(query);
        csvDownload(ctx, file);
        return file.content;
      },
    }),
  ];
}
