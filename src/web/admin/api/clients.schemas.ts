import { z } from 'zod';
import {
  BACKCHANNEL_LOGOUT_URI_RULE,
  isBackchannelLogoutUri,
} from '../../../domain/backchannel-logout.ts';

/** A client's id in a path: client ids are public names (`produce`, `manage`), not object ids. */
export const clientIdParams = z
  .object({ id: z.string().min(1).max(128).meta({ description: 'The client_id.' }) })
  .strict();

const backchannelLogoutUri = z
  .string()
  .max(2000)
  .refine(isBackchannelLogoutUri, {
    message: `backchannel_logout_uri ${BACKCHANNEL_LOGOUT_URI_RULE}`,
  })
  .meta({ format: 'uri' });

/**
 * PATCH body: the back-channel logout registration (Back-Channel Logout 1.0 section 2.2).
 * Strict, and at least one field.
 */
export const clientPatchBody = z
  .object({
    backchannel_logout_uri: backchannelLogoutUri.nullable().optional().meta({
      description:
        'Where the provider posts a logout token when a session of this app ends (absolute http(s) URL, no fragment); null removes it.',
    }),
    backchannel_logout_session_required: z.boolean().optional().meta({
      description:
        'Logout tokens and ID tokens carry `sid`, so the app can end exactly the signed-out session (true unless set otherwise).',
    }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'Give backchannel_logout_uri and/or backchannel_logout_session_required.',
  });

export const clientView = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    backchannel_logout_uri: z.string().nullable(),
    backchannel_logout_session_required: z.boolean(),
    first_party: z.boolean().meta({ description: 'No consent screen.' }),
    require_mfa: z.boolean().meta({ description: 'Everyone signing in to it needs 2FA.' }),
  })
  .meta({ id: 'Client', description: 'A registered relying party (never its secret).' });
