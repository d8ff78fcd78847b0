/** The prefilter stage: which rules a raw record can match, decided from its bytes before parsing. */
export { ByteAutomaton, HitList } from "./automaton.ts";
export {
  type ClauseOptions,
  deriveClauses,
  eventQueryOf,
  precomputedClauses,
  type RuleClauses,
  ruleClauses,
  wholeValueClauses,
} from "./clauses.ts";
export { canonicaliseEscapes, hasRewritableEscape } from "./escapes.ts";
export { canonicalJsonBytes, createRawPrefilter, type RawPrefilter } from "./raw.ts";
export {
  createRulePrefilter,
  INDEXOF_MAX_LITERALS,
  type PrefilterStrategy,
  type RecordAdmitter,
  type RulePrefilter,
  type RulePrefilterOptions,
  type WholeValueModel,
} from "./rules.ts";
