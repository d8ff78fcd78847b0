/** The EQL engine's public API. */
export type {
  AndExpr,
  ArithExpr,
  ArithOp,
  BoolExpr,
  CallExpr,
  ColonExpr,
  CompareExpr,
  CompareOp,
  CompareValuesExpr,
  Constant,
  EventQuery,
  Expr,
  FieldRef,
  InExpr,
  InValuesExpr,
  LikeExpr,
  MatchExpr,
  MatchOp,
  NegateExpr,
  NotExpr,
  NullCheckExpr,
  NullConst,
  OrExpr,
  Pipe,
  Query,
  RegexExpr,
  SampleQuery,
  SequenceQuery,
  SequenceStep,
  Span,
  Statement,
  TimeSpan,
} from "./ast.ts";
export {
  type CompileOptions,
  compileAst,
  compileEventFilter,
  compileQuery,
  compileStatement,
} from "./compile.ts";
export type { CompiledQuery, PrefilterLiteral } from "./compiled.ts";
export { EqlError, EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
export {
  applyPipes,
  type EvaluateOptions,
  evaluateQuery,
  evaluateStatement,
  type QueryResult,
} from "./evaluate.ts";
export { parseDate } from "./field-types.ts";
export { type Token, tokenize } from "./lexer.ts";
export { deriveLiterals, type LiteralOptions, literalKey, NON_VERBATIM_FIELDS } from "./literals.ts";
export { notAnEventQuery, type ParseOptions, parse, parseStatement } from "./parser.ts";
export {
  createSampleMatcher,
  type EvaluateSampleOptions,
  evaluateSample,
  planSample,
  type SampleLimitReport,
  type SampleMatch,
  type SampleMatcher,
  type SampleMatcherOptions,
  type SampleMatcherStats,
  type SampleMember,
  type SamplePlan,
} from "./sample.ts";
export { createSequenceMatcher } from "./sequence.ts";
export {
  type CompiledSampleQuery,
  type CompiledSequenceQuery,
  compileCorrelation,
} from "./sequence-compile.ts";
export { type EvaluateSequenceOptions, evaluateSequence, runSequencePlan } from "./sequence-evaluate.ts";
export type { KeyValue } from "./sequence-keys.ts";
export { orderEvents } from "./sequence-order.ts";
export { matchPartition, partitionKeys } from "./sequence-partition.ts";
export {
  type CompiledSteps,
  type EventPredicate,
  type PlanLocation,
  planSequence,
  type SequencePlan,
} from "./sequence-plan.ts";
export type {
  SequenceLimitReport,
  SequenceMatch,
  SequenceMatcher,
  SequenceMatcherOptions,
  SequenceMatcherStats,
  SequenceMember,
} from "./sequence-types.ts";
export { asciiLower, compileWildcard } from "./wildcard.ts";
