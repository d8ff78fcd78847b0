/** Pipes after a query: `| head N` and `| tail N` (the other Endgame pipes are refused by name). */
import type { Expr, Pipe } from "./ast.ts";
import { describe } from "./parser-cursor.ts";
import type { ExprParser } from "./parser-expr.ts";

/** Endgame EQL pipes that Elasticsearch's grammar names but refuses ("Pipe [x] is not supported"). */
const KNOWN_PIPES = new Set(["count", "filter", "sort", "unique", "unique_count"]);

export function parsePipe(p: ExprParser): Pipe {
  const bar = p.next();
  const name = p.peek();
  if (name.kind !== "ident" || name.quoted || name.path.includes(".")) {
    throw p.syntax(
      `expected a pipe name (\`head\` or \`tail\`) after \`|\`, found ${describe(name)}`,
      name.span.start,
    );
  }
  p.next();
  if (name.path !== "head" && name.path !== "tail") {
    if (KNOWN_PIPES.has(name.path)) {
      throw p.unsupported(
        `the \`${name.path}\` pipe is not supported (Elasticsearch has only \`head\` and \`tail\`)`,
        name.span.start,
        `pipe ${name.path}`,
      );
    }
    throw p.syntax(
      `unrecognised pipe \`${name.path}\`: Elasticsearch has \`head\` and \`tail\``,
      name.span.start,
    );
  }
  const args: Expr[] = [];
  const t = p.peek();
  if (t.kind !== "eof" && !p.isPunct(t, "|")) {
    for (;;) {
      args.push(p.parseExpr());
      if (!p.isPunct(p.peek(), ",")) break;
      p.next();
    }
  }
  if (args.length !== 1) {
    throw p.syntax(
      `pipe \`${name.path}\` expects exactly one argument but found ${args.length}`,
      args[1]?.span.start ?? name.span.end,
    );
  }
  const arg = args[0]!;
  if (arg.kind !== "number" || !arg.integer || arg.value < 0 || !Number.isSafeInteger(arg.value)) {
    throw p.syntax(`pipe \`${name.path}\` expects a non-negative integer`, arg.span.start);
  }
  return {
    kind: "pipe",
    name: name.path,
    count: arg.value,
    span: { start: bar.span.start, end: arg.span.end },
  };
}
