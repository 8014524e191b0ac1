import { describe, expect, it } from '@jest/globals';
import type { ClientMetadata } from '../store/repos/clients.repo.ts';
import { seededBackchannelLogout } from './seed-backchannel-logout.ts';

type Seed = Parameters<typeof seededBackchannelLogout>[0];

const client = (backchannel: Partial<Seed> = {}): Seed => ({
  backchannelLogoutUri: undefined,
  defaultBackchannelLogoutUri: undefined,
  ...backchannel,
});

const stored = (backchannel: Partial<ClientMetadata> = {}): ClientMetadata => ({
  client_id: 'produce',
  redirect_uris: ['http://localhost:4001/callback'],
  ...backchannel,
});

const DEFAULT = 'http://localhost:4001/backchannel-logout';
const CONFIGURED = 'https://produce.example/backchannel-logout';
const ADMIN_SET = 'https://admin.example/backchannel-logout';

describe('seededBackchannelLogout: what Produce and Manage get at each start', () => {
  it('a first start gets the development default, with sid required', () => {
    expect(seededBackchannelLogout(client({ defaultBackchannelLogoutUri: DEFAULT }), null)).toEqual(
      {
        backchannel_logout_uri: DEFAULT,
        backchannel_logout_session_required: true,
      },
    );
    expect(seededBackchannelLogout(client(), null)).toEqual({
      backchannel_logout_session_required: true,
    });
  });

  it('a client stored before back-channel logout existed counts as new', () => {
    const old = stored();
    expect(seededBackchannelLogout(client({ defaultBackchannelLogoutUri: DEFAULT }), old)).toEqual({
      backchannel_logout_uri: DEFAULT,
      backchannel_logout_session_required: true,
    });
  });

  it('keeps what is stored (set or removed through the admin API) when nothing is configured', () => {
    const seed = client({ defaultBackchannelLogoutUri: DEFAULT });
    const set = stored({
      backchannel_logout_uri: ADMIN_SET,
      backchannel_logout_session_required: false,
    });
    expect(seededBackchannelLogout(seed, set)).toEqual({
      backchannel_logout_uri: ADMIN_SET,
      backchannel_logout_session_required: false,
    });
    const removed = stored({ backchannel_logout_session_required: true });
    expect(seededBackchannelLogout(seed, removed)).toEqual({
      backchannel_logout_session_required: true,
    });
  });

  it('the configured URI wins at every start; sid stays as stored', () => {
    const seed = client({ backchannelLogoutUri: CONFIGURED, defaultBackchannelLogoutUri: DEFAULT });
    const set = stored({
      backchannel_logout_uri: ADMIN_SET,
      backchannel_logout_session_required: false,
    });
    expect(seededBackchannelLogout(seed, set)).toEqual({
      backchannel_logout_uri: CONFIGURED,
      backchannel_logout_session_required: false,
    });
    expect(seededBackchannelLogout(seed, null)).toEqual({
      backchannel_logout_uri: CONFIGURED,
      backchannel_logout_session_required: true,
    });
  });
});
