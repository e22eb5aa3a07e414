export interface IdGenerator {
  /** A random, unguessable, unique id (devauth's default: UUIDv7). */
  newId(): string;
}
