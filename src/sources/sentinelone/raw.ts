/**
 * Reading a raw Cloud Funnel record the way Elastic's pipeline sees it.
 *
 * Cloud Funnel writes flat dotted keys (`"tgt.file.path"`); the pipeline runs `dot_expander` on
 * every key, so a nested or mixed spelling (`{"tgt": {"file.path": x}}`) names the same field.
 * Before parsing, the pipeline also runs `gsub` on the raw line, replacing every four backslashes
 * of the JSON text with two: in decoded terms, each run of n backslashes inside a string becomes
 * ceil(n/2) backslashes (a lone backslash stays). Values are read here with that applied, so
 * `C:\\\\share` arrives as `C:\\share`, exactly as Elastic indexes it.
 *
 * Only own properties are read (a `__proto__` key is plain data) and the record is never written.
 */
const hasOwn = Object.prototype.hasOwnProperty;

/** A JSON scalar as the pipeline copies it into a keyword/long/boolean field. */
export type Scalar = string | number | boolean;

/** Each run of n >= 2 backslashes becomes ceil(n/2) (Elastic's `gsub` on the raw JSON text). */
export function halveBackslashes(s: string): string {
  if (!s.includes("\\\\")) return s;
  return s.replace(/\\{2,}/g, (run) => "\\".repeat(Math.ceil(run.length / 2)));
}

function fix(v: unknown): unknown {
  if (typeof v === "string") return halveBackslashes(v);
  if (Array.isArray(v)) return v.map(fix);
  return v;
}

function walk(node: unknown, segs: readonly string[], i: number): unknown {
  if (i === segs.length) return node;
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  // Longest key first: the flat spelling is by far the most common.
  for (let j = segs.length; j > i; j--) {
    const key = j === i + 1 ? segs[i]! : segs.slice(i, j).join(".");
    if (!hasOwn.call(node, key)) continue;
    const found = walk((node as Record<string, unknown>)[key], segs, j);
    if (found !== undefined) return found;
  }
  return undefined;
}

export class RawRecord {
  private readonly record: Record<string, unknown>;
  /** True when some key is a proper prefix of a dotted path (nested spelling present). */
  private readonly nested: boolean;

  constructor(record: Record<string, unknown>) {
    this.record = record;
    let nested = false;
    for (const k in record) {
      if (!hasOwn.call(record, k)) continue;
      const v = record[k];
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        nested = true;
        break;
      }
    }
    this.nested = nested;
  }

  /** The raw value at `path` (backslashes halved), or undefined when absent. */
  get(path: string): unknown {
    const r = this.record;
    if (hasOwn.call(r, path)) return fix(r[path]);
    if (!this.nested) return undefined;
    return fix(walk(r, path.split("."), 0));
  }

  /** `copy` of the flat dotted key only (no nested spelling). */
  flatCopy(path: string): Scalar | Scalar[] | undefined {
    return hasOwn.call(this.record, path) ? copyable(fix(this.record[path])) : undefined;
  }

  /** The value when it is a string, else undefined (pipeline conditions call String methods). */
  str(path: string): string | undefined {
    const v = this.get(path);
    return typeof v === "string" ? v : undefined;
  }

  /**
   * The value as `set copy_from ... ignore_empty_value` copies it: absent, null and "" give
   * undefined; scalars and lists of scalars are copied. Objects are not copied: no ECS field the
   * pipeline fills is an object, and a view holds fixed-shape values only.
   */
  copy(path: string): Scalar | Scalar[] | undefined {
    return copyable(this.get(path));
  }
}

export function copyable(v: unknown): Scalar | Scalar[] | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v)) {
    const out: Scalar[] = [];
    for (const x of v) {
      if (typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x))) {
        out.push(x);
      }
    }
    return out;
  }
  return undefined;
}
