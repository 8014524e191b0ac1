import { endedSessions, type EndedSessions } from './ended-sessions.ts';
import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { compareAndSet, type Consistency } from './consistency.ts';
import type { CatalogCache } from './repos/catalog-cache.ts';

/**
 * One stored provider model. `_id` is a hash of the model's id (the token, code or cookie value),
 * so a copy of the database holds no usable bearer value; the fields the store looks things up by
 * sit at the top level next to the payload.
 */
export interface StoredModel {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
  grantId?: string;
  userCode?: string;
  accountId?: string;
  rev?: number;
}

/** Models whose payload carries a grantId, revoked together by `revokeByGrantId`. */
const GRANTABLE = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'BackchannelAuthenticationRequest',
] as const;

/** Every expiring oidc-provider collection (for TTL indexes or the periodic purge). */
export const EXPIRING_OIDC_MODELS = [
  ...GRANTABLE,
  'Session',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
] as const;

/** Every collection the provider uses: created up front so each gets its indexes at start. */
export const OIDC_MODELS = [...EXPIRING_OIDC_MODELS, 'Client'] as const;

/** What the provider says when a single-use value is presented a second time. */
const SECOND_USE: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'refresh token already used',
  DeviceCode: 'device code already consumed',
  BackchannelAuthenticationRequest: 'backchannel authentication request already consumed',
};

/** Prefix of the second copy of a Session, stored under its `uid` for `findByUid`. */
export const SESSION_BY_UID = 'uid:';

/**
 * Field names MongoDB-compatible servers refuse or misread ('.' anywhere, '$' first; FerretDB
 * rejects both), e.g. a Grant's `resources` keyed by resource URL. Keys are escaped reversibly
 * ('%' too) on write and restored on read.
 */
function escapeKeys(value: unknown, decode: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => escapeKeys(item, decode));
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = decode
      ? restoredKey(key)
      : key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
    out[name] = escapeKeys(inner, decode);
  }
  return out;
}

/** A field name as the provider wrote it, from its stored (escaped) form. */
export function restoredKey(stored: string): string {
  return stored.replace(/%(25|2E|24)/g, (_m, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** Collection name for an oidc-provider model: one collection each, `oidc_<model>`. */
export function oidcCollectionName(model: string): string {
  return `oidc_${model.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

/**
 * The stored key of a provider model's id. Clients are looked up and listed by their public
 * client_id; every other id (tokens, codes, session and interaction cookies) is a bearer value
 * and is stored only as its SHA-256.
 */
export function storedOidcId(model: string, id: string): string {
  if (model === 'Client') return id;
  return createHash('sha256').update(id).digest('base64url');
}

/**
 * node-oidc-provider storage on a MongoDB wire-protocol server. Every read and write is by `_id`
 * (the one filter FerretDB 1.x answers from an index); expiry is enforced on every read, so
 * correctness never depends on TTL indexes; consuming a code or refresh token goes through the
 * store's compare-and-set, so of two concurrent redemptions exactly one wins.
 */
export function createOidcAdapterFactory(
  db: mongo.Db,
  consistency: Consistency,
  catalog: CatalogCache,
): (model: string) => Adapter {
  const collection = (model: string) => db.collection<StoredModel>(oidcCollectionName(model));
  const revokeGrant = async (grantId: string) => {
    await Promise.all([
      ...GRANTABLE.map((model) => collection(model).deleteMany({ grantId })),
      collection('Grant').deleteOne({ _id: storedOidcId('Grant', grantId) }),
    ]);
  };
  const ended = endedSessions(db);
  return (model: string) =>
    new MongoOidcAdapter(collection(model), model, consistency, revokeGrant, catalog, ended);
}

class MongoOidcAdapter implements Adapter {
  readonly #collection: mongo.Collection<StoredModel>;
  readonly #model: string;
  readonly #consistency: Consistency;
  readonly #revokeGrant: (grantId: string) => Promise<void>;
  readonly #catalog: CatalogCache;
  readonly #ended: EndedSessions;

  constructor(
    collection: mongo.Collection<StoredModel>,
    model: string,
    consistency: Consistency,
    revokeGrant: (grantId: string) => Promise<void>,
    catalog: CatalogCache,
    ended: EndedSessions,
  ) {
    this.#collection = collection;
    this.#ended = ended;
    this.#model = model;
    this.#consistency = consistency;
    this.#revokeGrant = revokeGrant;
    this.#catalog = catalog;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    // A request that loaded a session before it ended must not bring it back (ended-sessions.ts).
    const key = storedOidcId(this.#model, id);
    if (this.#model === 'Session' && (await this.#ended.has(key))) return;
    const rest: AdapterPayload = { ...payload };
    delete rest.jti;
    const doc: Omit<StoredModel, '_id'> = {
      payload: escapeKeys(rest, false) as AdapterPayload,
      rev: Math.random(),
    };
    if (expiresIn) doc.expiresAt = new Date(Date.now() + expiresIn * 1000);
    if (payload.grantId) doc.grantId = payload.grantId;
    if (this.#model === 'Grant') doc.grantId = id;
    if (payload.userCode) doc.userCode = payload.userCode;
    if (payload.accountId) doc.accountId = payload.accountId;
    await this.#write(key, () => this.#collection.replaceOne({ _id: key }, doc, { upsert: true }));
    if (this.#model === 'Session' && payload.uid) {
      const byUid = `${SESSION_BY_UID}${payload.uid}`;
      await this.#write(byUid, () =>
        this.#collection.replaceOne({ _id: byUid }, doc, { upsert: true }),
      );
    }
  }

  /**
   * Clients are read on every request and change rarely: they come from the in-process catalog
   * cache (every client write drops it in every process within a second, catalog-cache.ts).
   */
  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.#model === 'Client') {
      const cached = await this.#catalog.get(`client:${id}`, async () =>
        this.#live(await this.#collection.findOne({ _id: id })),
      );
      // A copy: the provider may add defaults to the metadata it is given.
      return cached && structuredClone(cached);
    }
    const payload = this.#live(
      await this.#collection.findOne({ _id: storedOidcId(this.#model, id) }),
    );
    return payload ? { ...payload, jti: id } : payload;
  }

  /** A Session by its `uid`; it comes without `jti`, which the database does not hold. */
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#collection.findOne({ _id: `${SESSION_BY_UID}${uid}` }));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#collection.findOne({ userCode }));
  }

  /**
   * Marks a single-use value used, atomically: a second redemption, even one racing the first,
   * is refused with `invalid_grant` and revokes the grant, as the provider does for a sequential
   * one (RFC 6749 section 4.1.2, OAuth 2.0 Security BCP on refresh token reuse).
   */
  async consume(id: string): Promise<void> {
    const key = storedOidcId(this.#model, id);
    const winner = await compareAndSet(this.#consistency, this.#collection, key, (current) => {
      // Gone: revoked by a second redemption that raced this one, or expired and purged.
      if (!current) return { result: false };
      if (current.payload.consumed) return { result: current.grantId ?? false };
      return {
        update: { $set: { 'payload.consumed': Math.floor(Date.now() / 1000) } },
        result: true,
      };
    });
    if (winner === true) return;
    if (typeof winner === 'string') await this.#revokeGrant(winner);
    throw new errors.InvalidGrant(SECOND_USE[this.#model] ?? 'already consumed');
  }

  async destroy(id: string): Promise<void> {
    const key = storedOidcId(this.#model, id);
    if (this.#model === 'Session') {
      const doc = await this.#collection.findOne({ _id: key }, { projection: { payload: 1 } });
      const uid = doc?.payload.uid;
      if (uid) {
        await this.#write(`${SESSION_BY_UID}${uid}`, (k) => this.#collection.deleteOne({ _id: k }));
      }
    }
    await this.#write(key, (k) => this.#collection.deleteOne({ _id: k }));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!(GRANTABLE as readonly string[]).includes(this.#model)) return;
    await this.#collection.deleteMany({ grantId });
  }

  /** Writes of one document never interleave with its compare-and-set (FerretDB, see consistency.ts). */
  #write<T>(key: string, write: (key: string) => Promise<T>): Promise<T> {
    return this.#consistency.exclusive(this.#collection.collectionName, key, () => write(key));
  }

  #live(doc: StoredModel | null): AdapterPayload | undefined {
    if (!doc) return undefined;
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return undefined;
    return escapeKeys(doc.payload, true) as AdapterPayload;
  }
}

/**
 * Secondary indexes for servers that use them (MongoDB): grant revocation, a user's sessions and
 * grants, device codes. Hot paths never need them; they only read by `_id`.
 */
export async function ensureOidcIndexes(db: mongo.Db): Promise<void> {
  for (const model of GRANTABLE) {
    await db.collection(oidcCollectionName(model)).createIndex({ grantId: 1 });
  }
  for (const model of ['Session', 'Grant']) {
    await db.collection(oidcCollectionName(model)).createIndex({ accountId: 1 });
  }
  await db
    .collection(oidcCollectionName('DeviceCode'))
    .createIndex({ userCode: 1 }, { unique: true, sparse: true });
}
