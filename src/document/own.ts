/**
 * Own-property guards: record keys are attacker-controlled data (`__proto__`, `constructor`), so
 * a record is only ever read through its own properties, never through its prototype chain.
 */
const hasOwn = Object.prototype.hasOwnProperty;

/** The own property `key` of `node` when `node` is a plain (non-array) object, else undefined. */
export function own(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  return hasOwn.call(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

export function isPlainObject(node: unknown): node is Record<string, unknown> {
  return node !== null && typeof node === "object" && !Array.isArray(node);
}
