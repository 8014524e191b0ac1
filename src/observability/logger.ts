import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { requestLogFields } from './request-context.ts';

/**
 * Field names whose values are secrets wherever they appear at the top level or one level down
 * (`body.password`, `query.code`...). `code` is listed by path, not as `*.code`: a wildcard would
 * also blank `err.code` (ECONNREFUSED, a driver's error code), hiding why something failed, while
 * OAuth `code` values only ever arrive in a request's query or body. Error codes are logged as
 * `errorCode`, which is never redacted.
 */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'secret',
  'token',
  'otp',
  'recoveryCode',
  'code_verifier',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'logout_token',
  'cookie',
  'authorization',
];

const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'code',
  'body.code',
  'query.code',
  'params.code',
  'form.code',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
];

export interface LoggerOptions {
  /** Human-readable colored lines (pino-pretty) instead of JSON: development on a terminal. */
  pretty?: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
}

/**
 * The process logger: JSON lines (one object per event) that never carry secrets (passwords,
 * codes, TOTP secrets, cookies, tokens are redacted by field name), and that carry the request
 * id (`reqId`) whenever they are written while serving a request (src/observability/request-context.ts).
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings = {
    level,
    mixin: requestLogFields,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const destination =
    options.destination ??
    (options.pretty
      ? pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' })
      : undefined);
  return destination ? pino(settings, destination) : pino(settings);
}

/** Pretty output only where a person reads it: development, with stdout a terminal. */
export function wantsPrettyLogs(env: string, stdoutIsTerminal: boolean | undefined): boolean {
  return env === 'development' && stdoutIsTerminal === true;
}
