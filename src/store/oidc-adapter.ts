import type { mongo } from 'mongoose';
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface StoredModel {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
}

/** Models whose payload carries a grantId, revoked together by `revokeByGrantId`. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'BackchannelAuthenticationRequest',
]);

/**
 * Field names MongoDB-compatible servers refuse or misread ('.' anywhere, '$' first; FerretDB
 * rejects both), e.g. a Grant's `resources` keyed by resource URL. Keys are escaped reversibly
 * ('%' too) on write and restored on read; top-level fields we query on never need it.
 */
function escapeKeys(value: unknown, decode: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => escapeKeys(item, decode));
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = decode
      ? key.replace(/%(25|2E|24)/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      : key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
    out[name] = escapeKeys(inner, decode);
  }
  return out;
}

/** Collection name for an oidc-provider model: one collection each, `oidc_<model>`. */
export function oidcCollectionName(model: string): string {
  return `oidc_${model.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

/**
 * node-oidc-provider storage on MongoDB (`{ _id, payload, expiresAt }` per model). Expiry is
 * enforced here on every read, so correctness never depends on TTL indexes, which some
 * wire-compatible servers (FerretDB) do not support.
 */
export function createOidcAdapterFactory(db: mongo.Db): (model: string) => Adapter {
  return (model: string) =>
    new MongoOidcAdapter(db.collection<StoredModel>(oidcCollectionName(model)), model);
}

class MongoOidcAdapter implements Adapter {
  readonly #collection: mongo.Collection<StoredModel>;
  readonly #model: string;

  constructor(collection: mongo.Collection<StoredModel>, model: string) {
    this.#collection = collection;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const doc: Omit<StoredModel, '_id'> = { payload: escapeKeys(payload, false) as AdapterPayload };
    if (expiresIn) doc.expiresAt = new Date(Date.now() + expiresIn * 1000);
    await this.#collection.replaceOne({ _id: id }, doc, { upsert: true });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#collection.findOne({ _id: id }));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#collection.findOne({ 'payload.uid': uid }));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#collection.findOne({ 'payload.userCode': userCode }));
  }

  async consume(id: string): Promise<void> {
    await this.#collection.updateOne(
      { _id: id },
      { $set: { 'payload.consumed': Math.floor(Date.now() / 1000) } },
    );
  }

  async destroy(id: string): Promise<void> {
    await this.#collection.deleteOne({ _id: id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!GRANTABLE.has(this.#model)) return;
    await this.#collection.deleteMany({ 'payload.grantId': grantId });
  }

  #live(doc: StoredModel | null): AdapterPayload | undefined {
    if (!doc) return undefined;
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return undefined;
    return escapeKeys(doc.payload, true) as AdapterPayload;
  }
}

/** Index set from the provider's MongoDB adapter example, plus accountId for revoking a user. */
export async function ensureOidcIndexes(db: mongo.Db): Promise<void> {
  for (const model of GRANTABLE) {
    await db.collection(oidcCollectionName(model)).createIndex({ 'payload.grantId': 1 });
  }
  for (const model of ['Session', 'Grant']) {
    await db.collection(oidcCollectionName(model)).createIndex({ 'payload.accountId': 1 });
  }
  await db
    .collection(oidcCollectionName('Session'))
    .createIndex({ 'payload.uid': 1 }, { unique: true });
  await db
    .collection(oidcCollectionName('DeviceCode'))
    .createIndex({ 'payload.userCode': 1 }, { unique: true, sparse: true });
}

/** All expiring oidc-provider collections (for TTL indexes or the periodic purge). */
export const EXPIRING_OIDC_MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
] as const;
