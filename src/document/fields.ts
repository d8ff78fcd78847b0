/**
 * Field access: the one field model that the EQL engine, the sources, the alerts and the
 * prefilter share (a rule's verdict, a source's mapping and an alert's rendering must all see the
 * same values, and the prefilter is sound only while they do).
 *
 * A field's values are all scalar leaves at its dotted path, where nested objects, dotted keys
 * (`{"file.path": x}`), mixed forms (`{"host": {"os.type": x}}`) and arrays (also arrays of
 * objects) are equivalent, exactly as Elasticsearch flattens a document (spec row 2).
 * `null`, `[]`, objects and absent keys give no values; numbers and booleans give their string
 * form. Only own properties are read (`Object.hasOwn`), so keys such as `__proto__` in a record
 * are plain data and inherited properties are never values.
 */

import { collectLeaves, someFlat } from "./leaves.ts";

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

/** What a walk does with each node found at the end of the path. */
type AtEnd<T> = (node: unknown, out: T[]) => void;

function walkFromArray<T>(el: unknown, fp: FieldPath, i: number, ctx: [T[], AtEnd<T>]): boolean {
  walk(el, fp, i, ctx);
  return false;
}

function walk<T>(node: unknown, fp: FieldPath, i: number, ctx: [T[], AtEnd<T>]): void {
  if (i === fp.length) {
    ctx[1](node, ctx[0]);
    return;
  }
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    someFlat(node, walkFromArray, fp, i, ctx);
    return;
  }
  const row = fp.joins[i]!;
  const risky = fp.risky?.[i];
  for (let k = 0; k < row.length; k++) {
    const key = row[k]!;
    // Read first: most keys tried (dotted forms) are absent, and a load is several times cheaper
    // than hasOwnProperty. A hit on a plain object is own unless the key is one of
    // Object.prototype's names; anything else is checked (the compiled accessors in the EQL
    // engine follow the same rule).
    const v = (node as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (
      (risky === undefined || risky[k] || Object.getPrototypeOf(node) !== OBJECT_PROTO) &&
      !hasOwn.call(node, key)
    ) {
      continue;
    }
    walk(v, fp, i + k + 1, ctx);
  }
}

const pushNode = (node: unknown, out: unknown[]): boolean => {
  if (node !== null && node !== undefined) out.push(node);
  return false;
};

const collectNodes: AtEnd<unknown> = (node, out) => {
  if (Array.isArray(node)) someFlat(node, pushNode, out, undefined, undefined);
  else pushNode(node, out);
};

/** All values of `path` in `record` (see the module comment for the rules). */
export function fieldValues(record: unknown, path: FieldPath | string): string[] {
  const fp = typeof path === "string" ? compileFieldPath(path) : path;
  const out: string[] = [];
  walk(record, fp, 0, [out, collectLeaves]);
  return out;
}

/**
 * Every node at `path` in `record`, objects included (arrays flattened, null dropped): what a
 * nested query iterates over, where each element must satisfy all inner conditions together.
 */
export function fieldNodes(record: unknown, path: FieldPath | string): unknown[] {
  const fp = typeof path === "string" ? compileFieldPath(path) : path;
  const out: unknown[] = [];
  walk(record, fp, 0, [out, collectNodes]);
  return out;
}

/** True when `path` has at least one value in `record` (built on fieldValues: for rendering and tests, not hot paths). */
export function hasField(record: unknown, path: FieldPath | string): boolean {
  return fieldValues(record, path).length > 0;
}

/** The first value of `path`, or undefined. Convenience for rendering (never for verdicts). */
export function firstValue(record: unknown, path: FieldPath | string): string | undefined {
  return fieldValues(record, path)[0];
}
