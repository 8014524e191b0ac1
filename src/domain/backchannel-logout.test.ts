import { describe, expect, it } from '@jest/globals';
import { isBackchannelLogoutUri } from './backchannel-logout.ts';

describe('isBackchannelLogoutUri (Back-Channel Logout 1.0 section 2.2)', () => {
  it.each([
    'https://app.example/backchannel-logout',
    'http://localhost:4001/backchannel-logout',
    'https://app.example:8443/logout?tenant=a',
  ])('accepts %s', (uri) => expect(isBackchannelLogoutUri(uri)).toBe(true));

  it.each([
    '/backchannel-logout',
    'app.example/logout',
    'ftp://app.example/logout',
    'javascript:alert(1)',
    'https://app.example/logout#x',
    'https://app.example/logout#',
    'https://user:pw@app.example/logout',
    '',
  ])('refuses %s', (uri) => expect(isBackchannelLogoutUri(uri)).toBe(false));
});
