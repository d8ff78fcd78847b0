/**
 * The document model every part shares: field paths, scalar leaves, own-property guards, and
 * Elasticsearch's index-pattern expansion.
 * Imports none of the other folders.
 */
export { compileFieldPath, type FieldPath, fieldNodes, fieldValues, firstValue, hasField } from "./fields.ts";
export { indexPatternMatches, KIBANA_DEFAULT_INDEX_PATTERNS, simpleWildcardMatch } from "./index-patterns.ts";
export { collectLeaves, leafString, someFlat } from "./leaves.ts";
export { isPlainObject, own } from "./own.ts";
