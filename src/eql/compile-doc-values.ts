/**
 * A field read as a script reads it: docValue(doc, field), the first value in doc-values order,
 * typed by the field's mapping. Layer 4 of the compiler (see compile-base.ts).
 */
import type { ValueTest } from "./accessor.ts";
import type { FieldRef } from "./ast.ts";
import { CallChecker } from "./compile-calls.ts";
import { compareVersion } from "./field-types.ts";
import { javaDateToString } from "./field-types-date.ts";
import { formatIp } from "./field-types-ip.ts";
import { type CompiledValue, compareCodePoints } from "./script.ts";
import { booleanValue, dateValue, ipValue, numericValue, versionValue } from "./typed-fields.ts";

export class DocValueCompiler extends CallChecker {
  /** docValue(doc, field): the first value in doc-values order, typed by the mapping. */
  protected fieldValue(field: FieldRef): CompiledValue {
    const info = this.info(field, field.span.start);
    const acc = this.accessor(field.path);
    const max = this.max;
    switch (info.cls) {
      case "date": {
        // A date doc value in a script prints as ZonedDateTime.toString (UTC); only functions
        // taking any exact value (concat, string) accept it, as in Elasticsearch.
        let best: number | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = dateValue(raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        return {
          type: "date",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best === undefined ? null : javaDateToString(best);
          },
          kind: () => undefined,
        };
      }
      case "version": {
        let best: string | null = null;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = versionValue(raw);
          if (v !== undefined && (best === null || compareVersion(v, best) < 0)) best = v;
          return false;
        };
        return {
          type: "string",
          eval: (e) => {
            best = null;
            acc(e, visit, max);
            return best;
          },
          kind: () => undefined,
        };
      }
      case "numeric": {
        let best: number | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = numericValue(info, raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        const kind = info.kind;
        return {
          type: "number",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best ?? null;
          },
          kind: () => kind,
        };
      }
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
      case "ip": {
        // An ip doc value prints as Elasticsearch formats it (dotted IPv4, RFC 5952 IPv6).
        let best: bigint | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = ipValue(raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        return {
          type: "ip",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best === undefined ? null : formatIp(best);
          },
          kind: () => undefined,
        };
      }
      case "keyword": {
        let best: string | null = null;
        const visit: ValueTest = (s) => {
          if (best === null || compareCodePoints(s, best) < 0) best = s;
          return false;
        };
        return {
          type: "string",
          eval: (e) => {
            best = null;
            acc(e, visit, max);
            return best;
          },
          kind: () => undefined,
        };
      }
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
