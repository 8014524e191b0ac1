import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { mongo } from 'mongoose';
import { isDuplicateKey } from './repos/ids.ts';

const LEASE_ID = 'provider';
const HEARTBEAT_MS = 5_000;
/** A lease whose holder has not renewed it for this long belongs to a dead process. */
const STALE_MS = 3 * HEARTBEAT_MS;

interface LeaseDoc {
  _id: string;
  owner: string;
  host: string;
  pid: number;
  renewedAt: Date;
}

/** A held lease: renewed in the background until released. */
export interface ProviderLease {
  release(): Promise<void>;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process the only provider on a database whose server cannot apply a conditional
 * update atomically (FerretDB 1.x): the store's single-use guarantees then rest on the
 * serialisation inside this one process (consistency.ts). A second provider on the same database
 * is refused at start-up; a lease left by a process that died (same host and its pid gone, or not
 * renewed for 15 s) is taken over. Several provider instances need MongoDB.
 */
export async function acquireProviderLease(db: mongo.Db): Promise<ProviderLease> {
  const leases = db.collection<LeaseDoc>('store_leases');
  const mine: LeaseDoc = {
    _id: LEASE_ID,
    owner: randomUUID(),
    host: hostname(),
    pid: process.pid,
    renewedAt: new Date(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await leases.insertOne({ ...mine, renewedAt: new Date() });
      return keepRenewing(leases, mine.owner);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await leases.findOne({ _id: LEASE_ID });
    if (!held) continue;
    const dead =
      (held.host === mine.host && !processIsAlive(held.pid)) ||
      Date.now() - held.renewedAt.getTime() > STALE_MS;
    if (!dead) {
      throw new Error(
        `another provider (pid ${held.pid} on ${held.host}) is using this database, and its ` +
          'server (FerretDB) cannot make single-use codes and tokens atomic across processes. ' +
          'Stop the other provider, or use MongoDB to run several instances.',
      );
    }
    await leases.deleteOne({ _id: LEASE_ID });
  }
  throw new Error('could not take over the provider lease of this database; try again');
}

function keepRenewing(leases: mongo.Collection<LeaseDoc>, owner: string): ProviderLease {
  const timer = setInterval(() => {
    void leases.updateOne({ _id: LEASE_ID }, { $set: { renewedAt: new Date() } }).catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const held = await leases.findOne({ _id: LEASE_ID }).catch(() => null);
      if (held?.owner === owner) await leases.deleteOne({ _id: LEASE_ID }).catch(() => {});
    },
  };
}
