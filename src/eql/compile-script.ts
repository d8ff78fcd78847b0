/**
 * The script form (value expressions): an expression compiled to a value with Elasticsearch's
 * script semantics (src/eql/script.ts: three-valued, first doc value of each field), and constant
 * folding of every sub-expression whose inputs are all constant. Layer 5 of the compiler (see
 * compile-base.ts).
 */
import type { CompareOp, Expr, MatchOp, StringConst } from "./ast.ts";
import { acceptOrder, scalarOf } from "./compile-base.ts";
import { DocValueCompiler } from "./compile-doc-values.ts";
import { anyOf } from "./compile-terms.ts";
import {
  arithmetic,
  EqlFunctionError,
  type EqlValue,
  type NumericKind,
  type NumericOut,
} from "./functions.ts";
import {
  and3,
  type CompiledValue,
  compareScalars,
  constantValue,
  type EqlScalar,
  insensitiveEquals,
  literalKind,
  negate,
  not3,
  or3,
  type StaticType,
} from "./script.ts";

export class ScriptCompiler extends DocValueCompiler {
  // ------------------------------------------------------------------ script values

  /** Folds `fn` when every input is constant (Elasticsearch's optimizer does it before running). */
  private fold(
    node: Expr,
    type: StaticType,
    inputs: readonly CompiledValue[],
    evalFn: CompiledValue["eval"],
    kindOut: NumericOut,
  ): CompiledValue {
    if (inputs.every((i) => i.constant !== undefined)) {
      let value: EqlScalar;
      try {
        value = evalFn(undefined);
      } catch (e) {
        if (e instanceof EqlFunctionError) {
          throw this.syntax(`${e.message} (Elasticsearch fails this query)`, node.span.start);
        }
        throw e;
      }
      return constantValue(value, kindOut.kind ?? undefined);
    }
    return { type, eval: evalFn, kind: () => kindOut.kind ?? undefined };
  }

  /** An expression as a value, with Elasticsearch's script semantics. */
  value(node: Expr): CompiledValue {
    switch (node.kind) {
      case "string":
        return constantValue(node.value);
      case "boolean":
        return constantValue(node.value);
      case "null":
        return constantValue(null);
      case "number":
        return constantValue(node.value, literalKind(node.value, node.integer));
      case "bool":
        return constantValue(node.value);
      case "field":
        return this.fieldValue(node);
      case "call":
        return this.callValue(node);
      case "arith": {
        const l = this.value(node.left);
        const r = this.value(node.right);
        for (const [side, v] of [
          [node.left, l],
          [node.right, r],
        ] as const) {
          if (v.type !== "number" && v.type !== "any" && v.type !== "null") {
            throw this.syntax(`\`${node.op}\` needs numbers, found a ${v.type}`, side.span.start);
          }
        }
        const op = ({ "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "modulo" } as const)[
          node.op
        ];
        const out: NumericOut = { kind: null };
        return this.fold(
          node,
          "number",
          [l, r],
          (e) => arithmetic(op, l.eval(e), r.eval(e), l.kind(), r.kind(), out),
          out,
        );
      }
      case "negate": {
        const v = this.value(node.operand);
        if (v.type !== "number" && v.type !== "any" && v.type !== "null") {
          throw this.syntax(`unary \`-\` needs a number, found a ${v.type}`, node.operand.span.start);
        }
        const out: NumericOut = { kind: null };
        return this.fold(
          node,
          "number",
          [v],
          (e) => {
            const x = v.eval(e);
            const k = v.kind();
            out.kind = typeof x === "number" ? (k ?? null) : null;
            return negate(x, k);
          },
          out,
        );
      }
      case "compare": {
        const f = this.fieldValue(node.field);
        const c = constantValue(scalarOf(node.value));
        return this.compareValue(node, node.op, f, c);
      }
      case "compare-values": {
        if (
          (node.op === "==" || node.op === "!=") &&
          (node.left.kind === "null" || node.right.kind === "null")
        ) {
          const subject = this.value(node.left.kind === "null" ? node.right : node.left);
          const eq = node.op === "==";
          return this.fold(node, "boolean", [subject], (e) => (subject.eval(e) === null) === eq, {
            kind: null,
          });
        }
        return this.compareValue(node, node.op, this.value(node.left), this.value(node.right));
      }
      case "null-check": {
        const f = this.fieldValue(node.field);
        const neg = node.negated;
        return { type: "boolean", eval: (e) => (f.eval(e) === null) !== neg, kind: () => undefined };
      }
      case "in":
        return this.inValue(
          node,
          this.fieldValue(node.field),
          node.values.map((c) => constantValue(scalarOf(c))),
          node.caseInsensitive,
          node.negated,
        );
      case "in-values":
        return this.inValue(
          node,
          this.value(node.subject),
          node.values.map((v) => this.value(v)),
          node.caseInsensitive,
          node.negated,
        );
      case "like":
        return this.matchValue(
          node,
          node.caseInsensitive ? "like~" : "like",
          this.fieldValue(node.field),
          node.patterns,
        );
      case "colon":
        return this.matchValue(node, ":", this.fieldValue(node.field), node.patterns);
      case "regex":
        return this.matchValue(
          node,
          node.caseInsensitive ? "regex~" : "regex",
          this.fieldValue(node.field),
          node.patterns,
        );
      case "match":
        return this.matchValue(node, node.op, this.value(node.subject), node.patterns);
      case "and":
        return this.logical(node, node.operands, true, and3);
      case "or":
        return this.logical(node, node.operands, false, or3);
      case "not": {
        const v = this.booleanOperand(node.operand);
        return this.fold(node, "boolean", [v], (e) => not3(v.eval(e)), { kind: null });
      }
    }
  }

  /** `and` / `or` over script values: three-valued, folded left from the operator's identity. */
  private logical(
    node: Expr,
    operands: readonly Expr[],
    identity: boolean,
    combine: (acc: EqlScalar, next: () => EqlScalar) => EqlScalar,
  ): CompiledValue {
    const parts = operands.map((o) => this.booleanOperand(o));
    return this.fold(
      node,
      "boolean",
      parts,
      (e) => {
        let acc: EqlScalar = identity;
        for (const p of parts) acc = combine(acc, () => p.eval(e));
        return acc;
      },
      { kind: null },
    );
  }

  private booleanOperand(node: Expr): CompiledValue {
    const v = this.value(node);
    if (v.type !== "boolean" && v.type !== "null" && v.type !== "any") {
      throw this.syntax(`a boolean is needed here, found a ${v.type} expression`, node.span.start);
    }
    return v;
  }

  private compareValue(node: Expr, op: CompareOp, l: CompiledValue, r: CompiledValue): CompiledValue {
    if (l.type === "date" || r.type === "date") {
      throw this.unsupported(
        "comparing a date field inside an expression is not supported; compare the field with a date directly",
        node.span.start,
        "date in an expression",
      );
    }
    return this.fold(
      node,
      "boolean",
      [l, r],
      (e) => {
        const c = compareScalars(l.eval(e), r.eval(e));
        if (c === null) return null;
        switch (op) {
          case "==":
            return c === 0;
          case "!=":
            return c !== 0;
          default:
            return acceptOrder(op, c);
        }
      },
      { kind: null },
    );
  }

  private inValue(
    node: Expr,
    subject: CompiledValue,
    values: readonly CompiledValue[],
    caseInsensitive: boolean,
    negated: boolean,
  ): CompiledValue {
    // InProcessor: true on the first equal element; null when none is and the value or a list element is null.
    const inner = (e: unknown): EqlScalar => {
      const x = subject.eval(e);
      if (x === null) return null;
      let sawNull = false;
      for (const v of values) {
        const y = v.eval(e);
        if (y === null) {
          sawNull = true;
          continue;
        }
        const eq = caseInsensitive
          ? insensitiveEquals(x, y)
          : (() => {
              const c = compareScalars(x, y);
              return c === null ? null : c === 0;
            })();
        if (eq === true) return true;
      }
      return sawNull ? null : false;
    };
    return this.fold(node, "boolean", [subject, ...values], negated ? (e) => not3(inner(e)) : inner, {
      kind: null,
    });
  }

  private matchValue(
    node: Expr,
    op: MatchOp,
    subject: CompiledValue,
    patterns: readonly StringConst[],
  ): CompiledValue {
    const test = anyOf(patterns.map((p) => this.patternTest(op, p)));
    return this.fold(
      node,
      "boolean",
      [subject],
      (e) => {
        const v = subject.eval(e);
        if (v === null) return null;
        // The script form converts its input to text (a number from string() already is).
        return test(typeof v === "string" ? v : String(v));
      },
      { kind: null },
    );
  }

  private callValue(node: Extract<Expr, { kind: "call" }>): CompiledValue {
    const fn = this.resolve(node);
    this.checkCall(fn, node);
    const args = node.args.map((a) => this.value(a));
    for (let i = 0; i < args.length; i++) this.checkArg(fn, i, node.args[i]!, args[i]!);
    const ci = node.caseInsensitive;
    const out: NumericOut = { kind: null };
    const type: StaticType =
      fn.resultType === "keyword" ? "string" : fn.resultType === "boolean" ? "boolean" : "number";
    const values: EqlValue[] = new Array(args.length);
    const kinds: (NumericKind | undefined)[] = new Array(args.length);
    return this.fold(
      node,
      type,
      args,
      (e) => {
        for (let i = 0; i < args.length; i++) {
          values[i] = args[i]!.eval(e);
          kinds[i] = args[i]!.kind();
        }
        out.kind = null;
        return fn.call(values, ci, kinds, out);
      },
      out,
    );
  }
}
