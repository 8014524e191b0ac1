import mongoose from 'mongoose';

/** Pause between start-up attempts while the server is not reachable yet. */
const CONNECT_RETRY_MS = 250;

/**
 * Connects mongoose and fails within `timeoutMs` when the server is unreachable, so a
 * misconfigured deployment exits with a clear message instead of hanging. Commands are not
 * buffered, and every database call has a deadline of `operationTimeoutMs` (see
 * `deadlineOptions`): while the database is down or stalled, requests fail fast (503) instead of
 * piling up.
 */
export async function connectDatabase(
  uri: string,
  timeoutMs: number,
  operationTimeoutMs: number,
): Promise<mongoose.Connection> {
  mongoose.set('strictQuery', true);
  const options: mongoose.ConnectOptions = {
    ...deadlineOptions(operationTimeoutMs),
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    // Command monitoring feeds the database latency and error metrics (observability/database-metrics.ts).
    monitorCommands: true,
  };
  try {
    return await connectWithin(uri, options, Date.now() + timeoutMs);
  } catch (error) {
    throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Driver timeouts that bound every call by `ms`, against a stalled (SIGSTOPped) server as well
 * as a stopped one (test/integration/local-database.test.ts): finding the server
 * (`serverSelectionTimeoutMS`), opening a connection including its handshake
 * (`connectTimeoutMS`), waiting for a pooled connection (`waitQueueTimeoutMS`) and waiting for a
 * reply (`socketTimeoutMS`). Reads are not retried: against a stalled server the retry waits a
 * second deadline. The driver's per-operation `timeoutMS` is a no-op in mongodb 7.
 */
export function deadlineOptions(ms: number): mongoose.ConnectOptions {
  return {
    serverSelectionTimeoutMS: ms,
    connectTimeoutMS: ms,
    waitQueueTimeoutMS: ms,
    socketTimeoutMS: ms,
    retryReads: false,
  };
}

/** Start-up: retries while the server is unreachable, until `deadline` (ms since the epoch). */
async function connectWithin(
  uri: string,
  options: mongoose.ConnectOptions,
  deadline: number,
): Promise<mongoose.Connection> {
  let driverError: unknown;
  for (;;) {
    const connection = mongoose.createConnection(uri, options);
    const opened = connection.asPromise().then(() => connection.db?.admin().ping());
    try {
      await withDeadline(opened, deadline - Date.now());
      return connection;
    } catch (error) {
      await connection.close().catch(() => {});
      if (!isDatabaseUnavailable(error)) throw error;
      // The driver says why (refused, timed out...); our own deadline does not.
      if (!(error instanceof DatabaseTimeoutError)) driverError = error;
      if (deadline - Date.now() <= CONNECT_RETRY_MS) throw driverError ?? error;
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
}

/** Thrown by our own deadlines (start-up, readiness ping); counts as "database unavailable". */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError';
}

/** `work`, or a DatabaseTimeoutError after `ms`; `work` itself keeps running to its own end. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseTimeoutError(`no answer from the database within ${ms} ms`)),
      Math.max(ms, 0),
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness: true when the server answers a ping within `timeoutMs`. Never throws, never waits
 * longer, so a health check stays fast while the database is stalled.
 */
export async function pingDatabase(
  connection: mongoose.Connection,
  timeoutMs: number,
): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  return withDeadline(db.admin().ping(), timeoutMs).then(
    () => true,
    () => false,
  );
}

/**
 * A MongoDB URI fit for logs: credentials masked and the options dropped (some carry secrets,
 * e.g. `tlsCertificateKeyFilePassword`).
 */
export function redactUri(uri: string): string {
  return uri.replace(/\?.*$/, '').replace(/\/\/([^@/]+)@/, '//***@');
}

/** What people are told while the database is unreachable (pages answer 503). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The service cannot reach its database. Please try again in a moment.';

const UNAVAILABLE_NAMES =
  /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|MongoTopologyClosedError|MongoNetworkTimeoutError|MongooseServerSelectionError|MongoWaitQueueTimeoutError|MongoPoolClearedError|MongoOperationTimeoutError|MongoServerClosedError|DatabaseTimeoutError/;
const UNAVAILABLE_MESSAGES =
  /before initial connection is complete|Client must be connected|connection .* closed/i;

/**
 * True for errors that mean "the database is unreachable or stalled right now": the driver's
 * network, selection and timeout errors (also as the `cause` of a wrapping error) and ours.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_NAMES.test(error.name) || UNAVAILABLE_MESSAGES.test(error.message)) return true;
  return depth < 3 && isDatabaseUnavailable(error.cause, depth + 1);
}
