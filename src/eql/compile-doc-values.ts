/**
 * A field read as a script reads it: docValue(doc, field), the first value in doc-values order,
 * typed by the field's mapping. Layer 4 of the compiler (see compile-base.ts).
 */
import type { FieldAccessor, ValueTest } from "./accessor.ts";
import type { FieldRef } from "./ast.ts";
import { CallChecker } from "./compile-calls.ts";
import { compareVersion } from "./field-types.ts";
import { javaDateToString } from "./field-types-date.ts";
import { formatIp } from "./field-types-ip.ts";
import type { NumericKind } from "./functions.ts";
import { type CompiledValue, compareCodePoints, type EqlScalar, type StaticType } from "./script.ts";
import { booleanValue, dateValue, ipValue, numericValue, versionValue } from "./typed-fields.ts";

export class DocValueCompiler extends CallChecker {
  /** docValue(doc, field): the first value in doc-values order, typed by the mapping. */
  protected fieldValue(field: FieldRef): CompiledValue {
    const info = this.info(field, field.span.start);
    const acc = this.accessor(field.path);
    const max = this.max;
    switch (info.cls) {
      case "date":
        // A date doc value in a script prints as ZonedDateTime.toString (UTC); only functions
        // taking any exact value (concat, string) accept it, as in Elasticsearch.
        return smallest("date", acc, max, (_s, raw) => dateValue(raw), lessThan, javaDateToString);
      case "version":
        return smallest("string", acc, max, (_s, raw) => versionValue(raw), versionLess, same);
      case "numeric":
        return smallest("number", acc, max, (_s, raw) => numericValue(info, raw), lessThan, same, info.kind);
      case "boolean": {
        let sawFalse = false;
        let sawTrue = false;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = booleanValue(raw);
          if (v === true) sawTrue = true;
          else if (v === false) sawFalse = true;
          return sawFalse;
        };
        return {
          type: "boolean",
          eval: (e) => {
            sawFalse = false;
            sawTrue = false;
            acc(e, visit, max);
            return sawFalse ? false : sawTrue ? true : null;
          },
          kind: () => undefined,
        };
      }
      case "ip":
        // An ip doc value prints as Elasticsearch formats it (dotted IPv4, RFC 5952 IPv6).
        return smallest("ip", acc, max, (_s, raw) => ipValue(raw), lessThan, formatIp);
      case "keyword":
        return smallest("string", acc, max, (str) => str, codePointLess, same);
      case "untyped": {
        // Dynamic mapping types a field by its JSON values: numbers stay numbers, booleans
        // booleans, anything mixed with a string is text.
        let minNum: number | undefined;
        let minStr: string | null = null;
        let sawFalse = false;
        let sawTrue = false;
        let sawString = false;
        const visit: ValueTest = (s, num, raw) => {
          if (typeof raw === "boolean") {
            if (raw) sawTrue = true;
            else sawFalse = true;
          } else if (num !== undefined) {
            if (minNum === undefined || num < minNum) minNum = num;
          } else sawString = true;
          if (minStr === null || compareCodePoints(s, minStr) < 0) minStr = s;
          return false;
        };
        return {
          type: "any",
          eval: (e) => {
            minNum = undefined;
            minStr = null;
            sawFalse = false;
            sawTrue = false;
            sawString = false;
            acc(e, visit, max);
            if (minStr === null) return null;
            const kinds =
              (minNum !== undefined ? 1 : 0) + (sawFalse || sawTrue ? 1 : 0) + (sawString ? 1 : 0);
            if (kinds > 1 || sawString) return minStr;
            if (minNum !== undefined) return minNum;
            return !sawFalse;
          },
          kind: () => undefined,
        };
      }
    }
  }
}

const same = <T>(v: T): T => v;
const lessThan = (a: number | bigint, b: number | bigint): boolean => a < b;
const versionLess = (a: string, b: string): boolean => compareVersion(a, b) < 0;
const codePointLess = (a: string, b: string): boolean => compareCodePoints(a, b) < 0;

/**
 * The first value in doc-values order: the smallest of the field's values that read as the
 * field's type (`read` gives undefined for a value the mapping would not index), shown as the
 * script sees it (`show`), or null when the field has none.
 */
function smallest<T>(
  type: StaticType,
  acc: FieldAccessor,
  max: number,
  read: (str: string, raw: unknown) => T | undefined,
  less: (a: T, b: T) => boolean,
  show: (best: T) => EqlScalar,
  kind?: NumericKind,
): CompiledValue {
  let best: T | undefined;
  const visit: ValueTest = (str, _n, raw) => {
    const v = read(str, raw);
    if (v !== undefined && (best === undefined || less(v, best))) best = v;
    return false;
  };
  return {
    type,
    eval: (e) => {
      best = undefined;
      acc(e, visit, max);
      return best === undefined ? null : show(best);
    },
    kind: () => kind,
  };
}
