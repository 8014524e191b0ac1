import { describe, expect, it } from '@jest/globals';
import {
  adminScopesIn,
  isServiceClientScope,
  missingAdminScope,
  scopeList,
} from './admin-scopes.ts';

describe('admin API scopes', () => {
  it('lets any admin scope read and only admin or admin:write change', () => {
    for (const scopes of [['admin'], ['admin:read'], ['admin:write']]) {
      expect(missingAdminScope('GET', scopes)).toBeNull();
      expect(missingAdminScope('HEAD', scopes)).toBeNull();
    }
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      expect(missingAdminScope(method, ['admin'])).toBeNull();
      expect(missingAdminScope(method, ['admin:write'])).toBeNull();
      expect(missingAdminScope(method, ['admin:read'])).toBe('admin:write');
    }
    expect(missingAdminScope('GET', ['openid', 'profile'])).toBe('admin:read');
    expect(missingAdminScope('POST', [])).toBe('admin:write');
  });

  it('reads scope values and recognises what a service client may hold', () => {
    expect(scopeList('openid  admin:read ')).toEqual(['openid', 'admin:read']);
    expect(scopeList(undefined)).toEqual([]);
    expect(adminScopesIn(['openid', 'admin:write', 'admin'])).toEqual(['admin', 'admin:write']);
    expect(isServiceClientScope('admin:read')).toBe(true);
    expect(isServiceClientScope('admin')).toBe(false);
    expect(isServiceClientScope('admin:delete')).toBe(false);
  });
});
