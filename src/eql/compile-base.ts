/**
 * The compiler's shared state, the first layer of its class chain (compile-base -> compile-terms
 * -> compile-calls -> compile-doc-values -> compile-script -> compile-conditions; each layer uses
 * only the ones before it): error construction with source locations, the accessor glue (one
 * accessor and one field classification per field path, src/eql/accessor.ts and
 * src/eql/typed-fields.ts), `any value satisfies` leaves, and the script guard.
 */
import { compileAccessor, type FieldAccessor, type ValueTest } from "./accessor.ts";
import type { CompareOp, Constant, FieldRef } from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import type { EqlScalar } from "./script.ts";
import {
  booleanValue,
  classifyField,
  dateValue,
  type FieldInfo,
  ipValue,
  numericValue,
  versionValue,
} from "./typed-fields.ts";

export type Predicate = (event: unknown) => boolean;

export const TRUE: Predicate = () => true;
export const FALSE: Predicate = () => false;
export const ALWAYS: ValueTest = () => true;

type OrderOp = Exclude<CompareOp, "==" | "!=">;

export function acceptOrder(op: OrderOp, d: number): boolean {
  switch (op) {
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
  }
}

export function constantText(c: Constant): string {
  switch (c.kind) {
    case "string":
      return c.value;
    case "number":
      return String(c.value);
    case "boolean":
      return c.value ? "true" : "false";
  }
}

/** A constant as a scalar value (strings, numbers, booleans). */
export function scalarOf(c: Constant): EqlScalar {
  return c.value;
}

export interface Located {
  readonly file: string;
  readonly source: string;
  readonly origin: SourceOrigin | undefined;
}

export class CompilerBase {
  readonly fields: string[] = [];
  private readonly accessors = new Map<string, FieldAccessor>();
  private readonly infos = new Map<string, FieldInfo>();
  /** Some leaf runs as a script (which may fail at run time: see guard). */
  protected scripts = false;

  constructor(
    protected readonly max: number,
    private readonly typeOf: (path: string) => string | undefined,
    private readonly loc: Located,
  ) {}

  // ------------------------------------------------------------------ errors

  protected syntax(msg: string, at: number): EqlSyntaxError {
    return new EqlSyntaxError(msg, { ...this.loc, offset: at });
  }

  protected unsupported(msg: string, at: number, construct: string): EqlUnsupportedError {
    return new EqlUnsupportedError(msg, { ...this.loc, offset: at }, construct);
  }

  // ------------------------------------------------------------------ fields

  protected accessor(field: string): FieldAccessor {
    let acc = this.accessors.get(field);
    if (acc === undefined) {
      acc = compileAccessor(field);
      this.accessors.set(field, acc);
      this.fields.push(field);
    }
    return acc;
  }

  protected info(field: FieldRef | string, at: number): FieldInfo {
    const path = typeof field === "string" ? field : field.path;
    let info = this.infos.get(path);
    if (info === undefined) {
      const r = classifyField(path, this.typeOf(path));
      if (typeof r === "string") throw this.unsupported(r, at, `field type ${this.typeOf(path)}`);
      info = r;
      this.infos.set(path, info);
    }
    return info;
  }

  /** `any value of field satisfies test`. */
  leaf(field: FieldRef | string, test: ValueTest): Predicate {
    const acc = this.accessor(typeof field === "string" ? field : field.path);
    const max = this.max;
    return (e) => acc(e, test, max);
  }

  /** `any value of field, read as its type, satisfies test` (malformed values count as absent). */
  protected typedLeaf<T>(
    field: FieldRef,
    read: (raw: unknown) => T | undefined,
    test: (v: T) => boolean,
  ): Predicate {
    return this.leaf(field, (_s, _n, raw) => {
      const v = read(raw);
      return v !== undefined && test(v);
    });
  }

  protected reader(info: FieldInfo): (raw: unknown) => unknown {
    switch (info.cls) {
      case "numeric":
        return (raw) => numericValue(info, raw);
      case "date":
        return dateValue;
      case "ip":
        return ipValue;
      case "boolean":
        return booleanValue;
      case "version":
        return versionValue;
      default:
        return (raw) => raw;
    }
  }

  /**
   * Marks the query as running scripts. Elasticsearch fails the whole search when a script
   * throws (a value of the wrong type, / by zero, overflow); one record cannot do that here, so
   * the whole query is false for that record (query() catches it), whatever `not` sits above.
   */
  protected guard(p: Predicate): Predicate {
    this.scripts = true;
    return p;
  }
}
