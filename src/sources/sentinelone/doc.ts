/**
 * The document being built: plain objects whose keys are all literals in this folder's code, so
 * no key of a record is ever copied into a view (nothing can shadow a field or reach a
 * prototype). `error` records that a processor failed, which Elastic reports as
 * `event.kind: pipeline_error`.
 */
import { FAILED, type Failed } from "./convert.ts";
import type { RawRecord } from "./raw.ts";

export type Obj = Record<string, unknown>;

export interface Doc {
  readonly raw: RawRecord;
  readonly root: Obj;
  error: boolean;
  /** False once the quote-trim script has thrown (it then never reaches tgt.process.cmdline). */
  trimTarget: boolean;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `o[key]` as an object, created when absent (`key` is always a literal of the caller). */
export function child(o: Obj, key: string): Obj {
  const c = o[key];
  if (isObj(c)) return c;
  const made: Obj = {};
  o[key] = made;
  return made;
}

/** `set` with a value that may be absent (no-op) or a failed conversion (error, no value). */
export function put(d: Doc, o: Obj, key: string, v: unknown): void {
  if (v === FAILED) {
    d.error = true;
    return;
  }
  if (v !== undefined) o[key] = v;
}

export function failed(v: unknown): v is Failed {
  return v === FAILED;
}

/** `append` with allow_duplicates: false (a scalar field becomes a list). */
export function append(o: Obj, key: string, v: string | number | boolean): void {
  const cur = o[key];
  if (cur === undefined || cur === null) {
    o[key] = [v];
    return;
  }
  const list = Array.isArray(cur) ? cur : [cur];
  if (!list.includes(v)) o[key] = [...list, v];
  else if (!Array.isArray(cur)) o[key] = list;
}

/**
 * The pipeline's last script: drop null and "" values, then lists and objects left empty,
 * recursively. Returns a cleaned copy (undefined when nothing is left) rather than deleting in
 * place: deleting keys turns V8 objects into slow dictionaries, and the copy is small.
 */
export function dropEmpty(o: Obj): Obj | undefined {
  let out: Obj | undefined;
  for (const k of Object.keys(o)) {
    const v = cleanValue(o[k]);
    if (v === undefined) continue;
    if (out === undefined) out = {};
    // defineProperty, not assignment: a key such as `__proto__` stays a plain own property.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function cleanValue(v: unknown): unknown {
  if (v === null || v === undefined || v === "") return undefined;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (const x of v) {
      const c = cleanValue(x);
      if (c === undefined) continue;
      if (out === undefined) out = [];
      out.push(c);
    }
    return out;
  }
  if (isObj(v)) return dropEmpty(v);
  return v;
}
