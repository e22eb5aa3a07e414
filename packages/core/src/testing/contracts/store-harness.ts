/**
 * How a contract suite gets the store under test. `setup` runs once (beforeAll) and may start or connect to an
 * engine; tests use unique keys, so one store serves the whole suite. `teardown` runs once (afterAll).
 */
export interface StoreHarness<TStore> {
  setup(): Promise<TStore> | TStore;
  teardown?(): Promise<void> | void;
}
