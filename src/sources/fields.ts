/**
 * Field access shared by the EQL engine and every source.
 *
 * A field's values are all scalar leaves at its dotted path, where nested objects, dotted keys
 * (`{"file.path": x}`), mixed forms (`{"host": {"os.type": x}}`) and arrays (also arrays of
 * objects) are equivalent, exactly as Elasticsearch flattens a document (spec row 2).
 * `null`, `[]`, objects and absent keys give no values; numbers and booleans give their string
 * form. Only own properties are read (`Object.hasOwn`), so keys such as `__proto__` in a record
 * are plain data and inherited properties are never values.
 */

/** A compiled field path: resolve the segments once, read many records. */
export interface FieldPath {
  readonly path: string;
  /** `joins[i][j]` is segments i..j joined with ".", the key to try at a node for that span. */
  readonly joins: readonly (readonly string[])[];
  readonly length: number;
  /** `risky[i][j]`: joins[i][j] names a property of Object.prototype (`constructor`, `__proto__`, ...). */
  readonly risky?: readonly (readonly boolean[])[];
}

export function compileFieldPath(path: string): FieldPath {
  const segs = path.split(".");
  const joins: string[][] = [];
  for (let i = 0; i < segs.length; i++) {
    const row: string[] = [];
    for (let j = i; j < segs.length; j++) row.push(segs.slice(i, j + 1).join("."));
    joins.push(row);
  }
  const risky = joins.map((row) => row.map((key) => key in OBJECT_PROTO));
  return { path, joins, length: segs.length, risky };
}

const hasOwn = Object.prototype.hasOwnProperty;
const OBJECT_PROTO = Object.prototype;

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

function pushScalar(node: unknown, out: string[]): boolean {
  switch (typeof node) {
    case "string":
      out.push(node);
      break;
    case "number":
      if (Number.isFinite(node)) out.push(String(node));
      break;
    case "bigint":
      out.push(String(node));
      break;
    case "boolean":
      out.push(node ? "true" : "false");
      break;
    default:
      // null, undefined, and a plain object at the end of the path (an object is not a keyword).
      break;
  }
  return false;
}

const pushFromArray = (el: unknown, out: string[]): boolean => pushScalar(el, out);

function walkFromArray(el: unknown, fp: FieldPath, i: number, out: string[]): boolean {
  walk(el, fp, i, out);
  return false;
}

function walk(node: unknown, fp: FieldPath, i: number, out: string[]): void {
  if (i === fp.length) {
    if (Array.isArray(node)) someFlat(node, pushFromArray, out, undefined, undefined);
    else pushScalar(node, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    someFlat(node, walkFromArray, fp, i, out);
    return;
  }
  const row = fp.joins[i]!;
  const risky = fp.risky?.[i];
  for (let k = 0; k < row.length; k++) {
    const key = row[k]!;
    // Read first: most keys tried (dotted forms) are absent, and a load is several times cheaper
    // than hasOwnProperty. A hit on a plain object is own unless the key is one of
    // Object.prototype's names; anything else is checked (same rule as src/eql/accessor.ts).
    const v = (node as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (
      (risky === undefined || risky[k] || Object.getPrototypeOf(node) !== OBJECT_PROTO) &&
      !hasOwn.call(node, key)
    ) {
      continue;
    }
    walk(v, fp, i + k + 1, out);
  }
}

/** All values of `path` in `record` (see the module comment for the rules). */
export function fieldValues(record: unknown, path: FieldPath | string): string[] {
  const fp = typeof path === "string" ? compileFieldPath(path) : path;
  const out: string[] = [];
  walk(record, fp, 0, out);
  return out;
}

/** True when `path` has at least one value in `record` (cheaper than materialising them all). */
export function hasField(record: unknown, path: FieldPath | string): boolean {
  return fieldValues(record, path).length > 0;
}

/** The first value of `path`, or undefined. Convenience for rendering (never for verdicts). */
export function firstValue(record: unknown, path: FieldPath | string): string | undefined {
  return fieldValues(record, path)[0];
}
