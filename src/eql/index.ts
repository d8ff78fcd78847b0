/** The EQL engine's public API. */
export type {
  AndExpr,
  BoolExpr,
  ColonExpr,
  CompareExpr,
  CompareOp,
  Constant,
  EventQuery,
  Expr,
  FieldRef,
  InExpr,
  LikeExpr,
  NotExpr,
  NullCheckExpr,
  OrExpr,
  Span,
} from "./ast.ts";
export { type CompileOptions, compileAst, compileQuery } from "./compile.ts";
export type { CompiledQuery, PrefilterLiteral } from "./compiled.ts";
export { EqlError, EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
export { type Token, tokenize } from "./lexer.ts";
export { deriveLiterals, type LiteralOptions, NON_VERBATIM_FIELDS } from "./literals.ts";
export { type ParseOptions, parse } from "./parser.ts";
export { asciiLower, compileWildcard } from "./wildcard.ts";
