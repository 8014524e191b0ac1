import * as client from 'openid-client';
import type { DemoRpConfig } from './config.ts';

/** Why talking to the provider failed, mapped to the HTTP status the RP answers with. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly status: 502 | 503;

  constructor(status: 502 | 503, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/**
 * True when the provider could not be reached at all (connection refused, DNS, timeout), as
 * opposed to answering with something wrong. fetch() signals the former with a bare TypeError.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof TypeError && err.message === 'fetch failed') return true;
  return err instanceof client.ClientError && err.code === 'OAUTH_TIMEOUT';
}

/** Lazily discovered provider metadata, shared by all requests of one RP. */
export interface ProviderHandle {
  /** Resolves the client configuration, discovering the provider on first use. */
  get(): Promise<client.Configuration>;
}

/**
 * Creates a handle that runs OpenID Connect discovery on first use and caches the result.
 * A failed discovery is not cached, so the next request tries again: the provider may start
 * after the RP (as in docker compose), and the RP must not crash or need a restart for that.
 */
export function providerHandle(config: DemoRpConfig): ProviderHandle {
  let pending: Promise<client.Configuration> | undefined;
  const insecure = new URL(config.issuer).protocol === 'http:';
  const auth =
    config.tokenEndpointAuthMethod === 'client_secret_post'
      ? client.ClientSecretPost(config.clientSecret)
      : client.ClientSecretBasic(config.clientSecret);

  const discover = async (): Promise<client.Configuration> => {
    try {
      return await client.discovery(
        new URL(config.issuer),
        config.clientId,
        { client_secret: config.clientSecret },
        auth,
        {
          // Plain http is allowed only for an http issuer (local development and compose).
          execute: insecure ? [client.allowInsecureRequests] : [],
          timeout: config.discoveryTimeoutSeconds,
        },
      );
    } catch (err) {
      if (isUnreachable(err)) {
        throw new ProviderError(
          503,
          `The identity provider at ${config.issuer} is unreachable. It may still be starting; try again shortly.`,
          { cause: err },
        );
      }
      throw new ProviderError(
        502,
        `Discovery of the identity provider at ${config.issuer} failed: ${messageOf(err)}`,
        { cause: err },
      );
    }
  };

  return {
    get() {
      pending ??= discover().catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}

/** A short, human-readable message for any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
