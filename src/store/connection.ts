import mongoose from 'mongoose';

/**
 * Connects mongoose and fails within `timeoutMs` when the server is unreachable, so a
 * misconfigured deployment exits with a clear message instead of hanging. Commands are not
 * buffered: while the database is down, requests fail fast (503) instead of piling up.
 */
export async function connectDatabase(
  uri: string,
  timeoutMs: number,
): Promise<mongoose.Connection> {
  mongoose.set('strictQuery', true);
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
    await connection.db?.admin().ping();
  } catch (error) {
    await connection.close().catch(() => {});
    throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return connection;
}

/** Removes credentials from a MongoDB URI so it can be logged. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]+)@/, '//***@');
}

/** What people are told while the database is unreachable (pages answer 503). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The service cannot reach its database. Please try again in a moment.';

/** True for driver errors that mean "the database is unreachable right now". */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|MongoTopologyClosedError|MongoNetworkTimeoutError|MongooseServerSelectionError/.test(
      error.name,
    ) ||
    /before initial connection is complete|Client must be connected|connection .* closed/i.test(
      error.message,
    )
  );
}
