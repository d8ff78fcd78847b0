/** Detection rules: the model, the TOML loader and the built-in rule set. */
export { builtinRulesDir, loadBuiltinRules } from "./builtin.ts";
export { type LoadOptions, loadRules, parseRule, queryOrigin, RuleLoadError } from "./load.ts";
export type { CompiledQuery, PrefilterLiteral, Rule, Severity, Threat, ThreatTechnique } from "./rule.ts";
