import type { WebDeps } from '../../context.ts';
import { clientIdParams, clientPatchBody, clientView } from './clients.schemas.ts';
import { route, type ApiRoute } from './route.ts';
import { pageOf, pageQuery, paginate } from './schemas.ts';

/** `/admin/api/clients`: the registered relying parties and their back-channel logout URI. */
export function clientRoutes(deps: WebDeps): ApiRoute[] {
  const clients = deps.services.adminClients;
  return [
    route({
      method: 'get',
      path: '/admin/api/clients',
      tag: 'clients',
      summary: 'List registered clients (by client_id, paginated; never secrets).',
      query: pageQuery,
      response: pageOf(clientView),
      handle: async ({ query }) => paginate(await clients.list(), query),
    }),
    route({
      method: 'patch',
      path: '/admin/api/clients/:id',
      tag: 'clients',
      summary:
        "Set or remove a client's back-channel logout URI (OpenID Connect Back-Channel Logout 1.0).",
      description:
        "When a user's session at the provider ends (sign-out from any app or the console), the provider posts a signed logout token to the `backchannel_logout_uri` of every app of that session. For Produce and Manage the value survives restarts unless `PRODUCE_BACKCHANNEL_LOGOUT_URI` / `MANAGE_BACKCHANNEL_LOGOUT_URI` is configured, which wins at every start. The account console (`account-console`) is refused (403).",
      params: clientIdParams,
      body: clientPatchBody,
      response: clientView,
      errors: ['not_found'],
      handle: ({ actor, params, body }) => clients.updateBackchannelLogout(actor, params.id, body),
    }),
  ];
}
