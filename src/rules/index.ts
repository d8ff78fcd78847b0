/** Detection rules: the model, TOML and Kibana-export loading, exceptions, suppression, the built-in set. */
export { type CorrelationStep, correlationSteps, ruleAst, ruleEventQuery } from "./ast.ts";
export { builtinRulesDir, loadBuiltinRules } from "./builtin.ts";
export {
  COMPILED_RULES_FILE,
  engineId,
  ruleExtras,
  type WriteCompiledOptions,
  writeCompiledRuleSet,
} from "./compiled-set.ts";
export {
  type CompiledException,
  compileEsWildcard,
  compileExceptionItem,
  ExceptionError,
  type ExceptionItem,
  type ExceptionListInfo,
  type ExceptionListRef,
  matchingException,
  parseExceptionItem,
  parseExceptionList,
  type RuleExceptions,
} from "./exceptions.ts";
export {
  ExceptionCatalog,
  type ExportedRule,
  type KibanaExport,
  parseKibanaExport,
  parseKibanaRule,
} from "./kibana.ts";
export {
  applyPipes,
  type LoadOptions,
  parseRule,
  QUERY_RULE_ID,
  queryOrigin,
  queryRule,
  RuleLoadError,
} from "./load.ts";
export { type EffectiveRule, effectiveRule } from "./overrides.ts";
export type {
  AlertSuppression,
  CompiledQuery,
  PrefilterLiteral,
  Rule,
  Severity,
  SeverityMappingItem,
  Threat,
  ThreatTechnique,
} from "./rule.ts";
export {
  listRuleFiles,
  loadRuleSet,
  loadRules,
  parseRuleFilter,
  type RefusedRule,
  type RuleFilter,
  type RuleSet,
  type RuleSetOptions,
  refusalReason,
  ruleTuning,
} from "./set.ts";
export {
  MemorySuppressionStore,
  type SuppressedGroup,
  type SuppressionClaim,
  type SuppressionStore,
  suppressionGroup,
  suppressionGroupValues,
  suppressionTimeMs,
  windowCovers,
} from "./suppression.ts";
