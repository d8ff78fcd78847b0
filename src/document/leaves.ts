/**
 * The scalar-leaf rule: which JSON values are field values, and their string form. A field's
 * values are all scalar leaves at its path (fields.ts); this file says what a leaf is, once, for
 * field access, the compiled EQL accessors and the source mappings alike.
 *
 * Strings are themselves; finite numbers and bigints give their string form; booleans give
 * "true"/"false"; null, undefined, NaN/Infinity and objects are no value (an object is not a
 * keyword). Arrays are flattened, iteratively (someFlat).
 */

/** The string form of a scalar leaf, or undefined when `node` is no value. */
export function leafString(node: unknown): string | undefined {
  switch (typeof node) {
    case "string":
      return node;
    case "number":
      return Number.isFinite(node) ? String(node) : undefined;
    case "bigint":
      return String(node);
    case "boolean":
      return node ? "true" : "false";
    default:
      return undefined;
  }
}

/**
 * Calls `visit` on every non-array element of `arr`, flattening nested arrays in order, until
 * `visit` returns true. Iterative: a record can nest arrays arbitrarily deep (JSON.parse accepts
 * a million levels) and must not exhaust the stack; objects need no such care, since each object
 * level of a walk consumes a path segment.
 */
export function someFlat<A, B, C>(
  arr: readonly unknown[],
  visit: (el: unknown, a: A, b: B, c: C) => boolean,
  a: A,
  b: B,
  c: C,
): boolean {
  for (let i = 0; i < arr.length; i++) {
    const el = arr[i];
    if (!Array.isArray(el)) {
      if (visit(el, a, b, c)) return true;
      continue;
    }
    // Nested arrays (rare): an explicit stack instead of recursion.
    const stack: (readonly unknown[])[] = [el];
    const pos: number[] = [0];
    while (stack.length > 0) {
      const top = stack.length - 1;
      const cur = stack[top]!;
      const j = pos[top]!;
      if (j >= cur.length) {
        stack.pop();
        pos.pop();
        continue;
      }
      pos[top] = j + 1;
      const x = cur[j];
      if (Array.isArray(x)) {
        stack.push(x);
        pos.push(0);
      } else if (visit(x, a, b, c)) {
        return true;
      }
    }
  }
  return false;
}

function pushLeaf(node: unknown, out: string[]): boolean {
  const v = leafString(node);
  if (v !== undefined) out.push(v);
  return false;
}

/** Appends the string forms of every scalar leaf of `node` (arrays flattened) to `out`. */
export function collectLeaves(node: unknown, out: string[]): void {
  if (Array.isArray(node)) someFlat(node, pushLeaf, out, undefined, undefined);
  else pushLeaf(node, out);
}
