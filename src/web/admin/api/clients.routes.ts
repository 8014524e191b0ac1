import type { WebDeps } from '../../context.ts';
import { clientIdParams, clientPatchBody, clientView } from './clients.schemas.ts';
import { route, type ApiRoute } from './route.ts';
import { serviceClientBody, serviceClientCreated } from './service-clients.schemas.ts';
import { isServiceClientScope, scopeList } from '../../../domain/admin-scopes.ts';
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
      method: 'post',
      path: '/admin/api/clients',
      tag: 'clients',
      summary: 'Register a service client for the admin API (client credentials grant).',
      description:
        'The client gets a token with `POST /token` (`grant_type=client_credentials`, `resource=' +
        '<issuer>/admin/api`, `scope=admin:read`...) and calls this API as itself; its actions are audited with actor `client:<client_id>`. The secret is generated and shown only in this answer.',
      body: serviceClientBody,
      status: 201,
      response: serviceClientCreated,
      errors: ['conflict'],
      handle: ({ actor, body }) =>
        clients.createServiceClient(actor, {
          client_id: body.client_id,
          client_name: body.client_name,
          scopes: scopeList(body.scope).filter(isServiceClientScope),
        }),
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
