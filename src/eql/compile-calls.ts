/**
 * Function calls, checked as Elasticsearch's verifier does before either form runs: the name (and
 * its `~` form), the number of arguments, each argument's type, constant-only parameters. Layer 3
 * of the compiler (see compile-base.ts).
 */
import type { Expr } from "./ast.ts";
import { TermCompiler } from "./compile-terms.ts";
import { type EqlFunction, type EqlParamSpec, lookupFunction } from "./functions.ts";
import type { CompiledValue } from "./script.ts";

export class CallChecker extends TermCompiler {
  // ------------------------------------------------------------------ functions

  protected resolve(node: Extract<Expr, { kind: "call" }>): EqlFunction {
    const fn = lookupFunction(node.name);
    if (fn === undefined) {
      throw this.syntax(`unknown function \`${node.name}\``, node.nameSpan.start);
    }
    if (node.caseInsensitive && !fn.caseInsensitiveVariant) {
      throw this.syntax(
        `function \`${fn.name}\` has no case-insensitive form (\`${node.name}~\`)`,
        node.nameSpan.start,
      );
    }
    return fn;
  }

  protected checkCall(fn: EqlFunction, node: Extract<Expr, { kind: "call" }>): void {
    const n = node.args.length;
    if (n < fn.minArgs || n > fn.maxArgs) {
      const expected =
        fn.maxArgs === Number.POSITIVE_INFINITY
          ? `at least ${fn.minArgs}`
          : fn.minArgs === fn.maxArgs
            ? `${fn.minArgs}`
            : `${fn.minArgs} to ${fn.maxArgs}`;
      throw this.syntax(
        `function \`${fn.name}\` takes ${expected} argument${expected === "1" ? "" : "s"}, found ${n}`,
        node.nameSpan.start,
      );
    }
  }

  private paramAt(fn: EqlFunction, i: number): EqlParamSpec | undefined {
    if (i < fn.params.length) return fn.params[i];
    const last = fn.params[fn.params.length - 1];
    return last?.variadic ? last : undefined;
  }

  protected checkArg(fn: EqlFunction, i: number, arg: Expr, v: CompiledValue): void {
    const spec = this.paramAt(fn, i);
    if (spec === undefined) return;
    const t = v.type;
    const ordinal = ["first", "second", "third", "fourth", "fifth"][i] ?? `${i + 1}th`;
    const bad = (what: string): never => {
      throw this.syntax(
        `${ordinal} argument of \`${fn.name}\` (${spec.name}) must be ${what}, found a ${t === "any" ? "value" : t}`,
        arg.span.start,
      );
    };
    if (spec.foldable && v.constant === undefined) {
      throw this.syntax(
        `${ordinal} argument of \`${fn.name}\` (${spec.name}) must be a constant`,
        arg.span.start,
      );
    }
    if (t !== "any" && t !== "null") {
      switch (spec.type) {
        case "string":
          if (t !== "string") bad("a string");
          break;
        case "integer":
          if (t !== "number" || (v.constant !== undefined && !Number.isInteger(v.constant.value)))
            bad("an integer");
          if (arg.kind === "number" && !arg.integer) bad("an integer");
          break;
        case "numeric":
          if (t !== "number") bad("a number");
          break;
        case "boolean":
          if (t !== "boolean") bad("a boolean");
          break;
        case "ip":
          if (t !== "ip") bad("an ip field");
          break;
        case "exact":
          break;
      }
    } else if (spec.type === "ip" && arg.kind !== "field") {
      bad("an ip field");
    }
    if (v.constant !== undefined && fn.checkConstant !== undefined) {
      const msg = fn.checkConstant(i, v.constant.value);
      if (msg !== null) throw this.syntax(msg, arg.span.start);
    }
  }
}
