import type Provider from 'oidc-provider';
import type { Config } from '../config.ts';
import type { Services } from '../services/index.ts';
import type { Csrf } from './middleware/csrf.ts';
import type { Renderer } from './render.ts';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';

/** Everything a router needs, handed over by `app.ts`. */
export interface WebDeps {
  config: Config;
  services: Services;
  provider: Provider;
  render: Renderer;
  csrf: Csrf;
  log: Logger;
  /** This process's own HTTP origin on the loopback interface, once it listens. */
  selfOrigin: () => string;
  /** The Prometheus metrics served at `/metrics` (src/observability/metrics.ts). */
  metrics: Metrics;
}
