/**
 * Query-form leaves by field type (term, terms, range, wildcard and regexp queries): a field
 * compared with constants, each typed field converting the constants to its type first (dates as
 * instants, ip addresses and CIDR ranges, numbers, booleans, versions). Layer 2 of the compiler
 * (see compile-base.ts).
 */
import type { CompareOp, Constant, FieldRef, MatchOp, Span, StringConst } from "./ast.ts";
import { acceptOrder, CompilerBase, constantText, FALSE, type Predicate } from "./compile-base.ts";
import { compareVersion, indexedValue } from "./field-types.ts";
import { parseDate } from "./field-types-date.ts";
import { compareIp, parseIp, parseIpRange } from "./field-types-ip.ts";
import { compileLuceneRegex, RegexSyntaxError, RegexUnsupportedError } from "./regex.ts";
import { compareCodePoints } from "./script.ts";
import {
  booleanValue,
  dateValue,
  type FieldInfo,
  ipValue,
  numericConstant,
  numericValue,
  versionValue,
} from "./typed-fields.ts";
import { asciiEqualsLower, asciiLower, compileWildcard, hasWildcard, type StringTest } from "./wildcard.ts";

/** A test for `:` with one pattern: like~ when it has wildcards, else case-insensitive equality. */
function colonTest(pattern: string): StringTest {
  if (hasWildcard(pattern)) return compileWildcard(pattern, true);
  const lower = asciiLower(pattern);
  return (v) => asciiEqualsLower(v, lower);
}

export function anyOf(tests: StringTest[]): StringTest {
  if (tests.length === 1) return tests[0]!;
  return (v) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return true;
    return false;
  };
}

function membership(texts: readonly string[], caseInsensitive: boolean): StringTest {
  const set = new Set<string>();
  const lengths = new Set<number>();
  for (const c of texts) {
    const t = caseInsensitive ? asciiLower(c) : c;
    set.add(t);
    lengths.add(t.length);
  }
  // ASCII folding keeps lengths, so a length miss rejects without hashing or folding a long value.
  if (caseInsensitive) return (v) => lengths.has(v.length) && set.has(asciiLower(v));
  return (v) => lengths.has(v.length) && set.has(v);
}

export class TermCompiler extends CompilerBase {
  // ------------------------------------------------------------------ term-level leaves by field type

  private refuseOp(info: FieldInfo, op: string, at: number): never {
    throw this.unsupported(
      `\`${op}\` on field \`${info.path}\` (mapped as \`${info.esType}\`) is not supported: Elasticsearch runs it only on keyword fields`,
      at,
      `${op} on a ${info.esType} field`,
    );
  }

  protected termCompare(field: FieldRef, op: CompareOp, value: Constant, span: Span): Predicate {
    const info = this.info(field, field.span.start);
    if (op === "!=") {
      const eq = this.termCompare(field, "==", value, span);
      return (e) => !eq(e);
    }
    switch (info.cls) {
      case "untyped":
      case "keyword": {
        const text = constantText(value);
        if (op === "==") return this.leaf(field, (v) => v === text);
        // An untyped field holding JSON numbers compares numerically with a number constant
        // (dynamic mapping makes it a long/float); a keyword compares as text (code points).
        if (info.cls === "untyped" && value.kind === "number") {
          const n = value.value;
          return this.leaf(field, (v, num) =>
            num !== undefined
              ? acceptOrder(op, num < n ? -1 : num > n ? 1 : 0)
              : acceptOrder(op, compareCodePoints(v, text)),
          );
        }
        return this.leaf(field, (v) => acceptOrder(op, compareCodePoints(v, text)));
      }
      case "numeric": {
        const n = this.numericConstant(info, value);
        if (op === "==")
          return this.typedLeaf(
            field,
            (raw) => numericValue(info, raw),
            (v) => v === n,
          );
        return this.typedLeaf(
          field,
          (raw) => numericValue(info, raw),
          (v) => acceptOrder(op, v < n ? -1 : v > n ? 1 : 0),
        );
      }
      case "date": {
        const ms = this.dateConstant(value);
        if (op === "==") return this.typedLeaf(field, dateValue, (v) => v === ms);
        return this.typedLeaf(field, dateValue, (v) => acceptOrder(op, v < ms ? -1 : v > ms ? 1 : 0));
      }
      case "ip": {
        if (op === "==") {
          const range = this.ipRangeConstant(value);
          return this.typedLeaf(field, ipValue, (v) => v >= range.lower && v <= range.upper);
        }
        const ip = value.kind === "string" ? parseIp(value.value) : null;
        if (ip === null)
          throw this.syntax(`\`${constantText(value)}\` is not an IP address`, value.span.start);
        return this.typedLeaf(field, ipValue, (v) => acceptOrder(op, compareIp(v, ip)));
      }
      case "boolean": {
        const b = this.booleanConstant(value);
        if (op === "==") return this.typedLeaf(field, booleanValue, (v) => v === b);
        return this.typedLeaf(field, booleanValue, (v) => acceptOrder(op, v === b ? 0 : v ? 1 : -1));
      }
      case "version": {
        // A `version` field orders by Elasticsearch's VersionEncoder (1.10.0 after 1.9.0).
        const text = constantText(value);
        if (op === "==") return this.typedLeaf(field, versionValue, (v) => v === text);
        return this.typedLeaf(field, versionValue, (v) => acceptOrder(op, compareVersion(v, text)));
      }
    }
  }

  private numericConstant(info: FieldInfo, c: Constant): number {
    // The constant as the field's term / range query parses it (a float field compares in float precision).
    const parsed =
      c.kind === "number" ? c.value : c.kind === "string" ? indexedValue(c.value, "double") : undefined;
    const n = typeof parsed === "number" ? numericConstant(info, parsed) : undefined;
    if (n === undefined) {
      throw this.syntax(
        `\`${constantText(c)}\` is not a number, and field \`${info.path}\` is mapped as \`${info.esType}\``,
        c.span.start,
      );
    }
    return n;
  }

  private dateConstant(c: Constant): number {
    const ms = c.kind === "boolean" ? null : parseDate(c.value);
    if (ms === null) {
      throw this.syntax(
        `\`${constantText(c)}\` is not a date Elasticsearch reads (strict_date_optional_time or epoch_millis)`,
        c.span.start,
      );
    }
    return ms;
  }

  private ipRangeConstant(c: Constant): { lower: bigint; upper: bigint } {
    const r =
      c.kind === "string" ? parseIpRange(c.value) : `'${constantText(c)}' is not an IP string literal.`;
    if (typeof r === "string") throw this.syntax(r, c.span.start);
    return r;
  }

  private booleanConstant(c: Constant): boolean {
    if (c.kind === "boolean") return c.value;
    if (c.kind === "string" && (c.value === "true" || c.value === "false")) return c.value === "true";
    throw this.syntax(`\`${constantText(c)}\` is not a boolean`, c.span.start);
  }

  protected termIn(
    field: FieldRef,
    values: readonly Constant[],
    caseInsensitive: boolean,
    negated: boolean,
  ): Predicate {
    const info = this.info(field, field.span.start);
    let member: Predicate;
    if (values.length === 0) member = FALSE;
    else if (info.cls === "untyped" || info.cls === "keyword") {
      member = this.leaf(field, membership(values.map(constantText), caseInsensitive));
    } else {
      if (caseInsensitive) this.refuseOp(info, "in~", field.span.start);
      const tests = values.map((v) => this.termCompare(field, "==", v, v.span));
      member = (e) => {
        for (let i = 0; i < tests.length; i++) if (tests[i]!(e)) return true;
        return false;
      };
    }
    return negated ? (e) => !member(e) : member;
  }

  protected termPattern(field: FieldRef, op: MatchOp, patterns: readonly StringConst[]): Predicate {
    const info = this.info(field, field.span.start);
    if (info.cls !== "untyped" && info.cls !== "keyword") this.refuseOp(info, op, field.span.start);
    return this.leaf(field, anyOf(patterns.map((p) => this.patternTest(op, p))));
  }

  protected patternTest(op: MatchOp, p: StringConst): StringTest {
    switch (op) {
      case ":":
        return colonTest(p.value);
      case "like":
      case "like~":
        return compileWildcard(p.value, op === "like~");
      case "regex":
      case "regex~":
        try {
          return compileLuceneRegex(p.value, { caseInsensitive: op === "regex~" });
        } catch (e) {
          if (e instanceof RegexSyntaxError) {
            // Point into the pattern (exact for strings without escapes: +1 for the opening quote).
            const offset = (e as RegexSyntaxError & { offset?: number }).offset ?? 0;
            const at = Math.min(p.span.start + 1 + offset, p.span.end);
            if (e instanceof RegexUnsupportedError) {
              throw this.unsupported(`regular expression: ${e.message}`, at, `${op} construct`);
            }
            throw this.syntax(`invalid regular expression: ${e.message}`, at);
          }
          throw e;
        }
    }
  }
}
