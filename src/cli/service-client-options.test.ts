import { describe, expect, it } from '@jest/globals';
import { serviceClientOptions } from './service-client-options.ts';

describe('client:create --grant client-credentials', () => {
  it('reads the admin scopes of a service client', () => {
    expect(
      serviceClientOptions({ grant: 'client-credentials', scope: 'admin:read,admin:write' }),
    ).toEqual({ scopes: ['admin:read', 'admin:write'] });
    expect(serviceClientOptions({ 'redirect-uri': 'https://app.example/cb' })).toBeNull();
  });

  it('refuses unknown grants and scopes, and sign-in options on a service client', () => {
    const refused = [
      { grant: 'password' },
      { grant: 'client-credentials' },
      { grant: 'client-credentials', scope: 'admin' },
      { grant: 'client-credentials', scope: 'admin:read openid' },
      { grant: 'client-credentials', scope: 'admin:read', 'redirect-uri': 'https://x.example/cb' },
      { grant: 'client-credentials', scope: 'admin:read', 'first-party': true },
      { scope: 'admin:read' },
    ];
    for (const options of refused) {
      expect(() => serviceClientOptions(options)).toThrow(
        expect.objectContaining({ code: 'validation_failed' }),
      );
    }
  });
});
