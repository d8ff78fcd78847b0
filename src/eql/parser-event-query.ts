/** The event query: `<category> where <condition>` or `any where <condition>`. */
import type { EventQuery } from "./ast.ts";
import { describe } from "./parser-cursor.ts";
import type { ExprParser } from "./parser-expr.ts";

/** `<category> where <condition>` or `any where <condition>`. */
export function parseEventFilter(p: ExprParser): EventQuery {
  const first = p.peek();
  let category: EventQuery["category"];
  if (p.isKeyword(first, "any")) {
    p.next();
    category = null;
  } else if (first.kind === "ident") {
    p.next();
    category = { name: first.path, span: first.span };
  } else if (first.kind === "string") {
    p.next();
    category = { name: first.value, span: first.span };
  } else {
    p.refuseStray(first);
    throw p.syntax(
      `expected an event category (e.g. \`file\`), \`any\`, \`sequence\` or \`sample\`, found ${describe(first)}`,
      first.span.start,
    );
  }
  const where = p.peek();
  if (!p.isKeyword(where, "where")) {
    if (p.isPunct(where, "(") && first.kind === "ident") {
      throw p.syntax(
        `a query starts with an event category and \`where\` (e.g. \`any where ${first.path}(...)\`)`,
        first.span.start,
      );
    }
    throw p.syntax(`expected \`where\` after the event category, found ${describe(where)}`, where.span.start);
  }
  p.next();
  const condition = p.parseExpr();
  return {
    kind: "event-query",
    category,
    condition,
    span: { start: first.span.start, end: condition.span.end },
  };
}
