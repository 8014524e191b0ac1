/** Stops the database server global-setup started. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_DATABASE__?.stop();
}
