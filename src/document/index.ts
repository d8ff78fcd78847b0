/**
 * The document model every part shares: field paths, scalar leaves and own-property guards.
 * Imports none of the other folders.
 */
export { compileFieldPath, type FieldPath, fieldNodes, fieldValues, firstValue, hasField } from "./fields.ts";
export { collectLeaves, leafString, someFlat } from "./leaves.ts";
export { isPlainObject, own } from "./own.ts";
