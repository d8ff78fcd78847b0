/**
 * Elastic Endgame documents: ECS plus `endgame.*`. Older documents carry some fields only in
 * legacy `endgame.*` form: the ones Kibana's Endgame schema lists with an ECS meaning
 * (kbn-securitysolution-ecs EndgameEcs, used by its Endgame renderers as the fallback for the ECS
 * field): `file_path`, `file_name`, `process_name`, `pid`, `parent_process_name`, `exit_code`.
 * Each fills its ECS field when that is absent; `file.name` falls back to the basename of the
 * path. Elastic has no ingest pipeline for Endgame (the Endgame platform writes the documents),
 * so nothing else is derived: network and DNS events are read as their ECS fields, and the
 * logon fields (`subject_user_name`, `target_user_name`, ...) have no single ECS counterpart.
 *
 * When nothing is missing the record is its own view (no copy). Otherwise the view is a shallow
 * copy (spread defines own data properties, so a `__proto__` key stays plain data) plus flat
 * dotted ECS keys with fixed names; field access treats `{"file.path": x}` and
 * `{"file": {"path": x}}` alike, and the field was absent, so nothing is shadowed.
 */
import { compileFieldPath, type FieldPath, fieldValues } from "../document/index.ts";
import { basename, shape } from "./values.ts";

const FILE_PATH = compileFieldPath("file.path");
const FILE_NAME = compileFieldPath("file.name");
const LEGACY_FILE_PATH = compileFieldPath("endgame.file_path");
const LEGACY_FILE_NAME = compileFieldPath("endgame.file_name");

/** ECS field <- legacy field, and whether its values are numbers (pids, exit codes). */
const FALLBACKS: readonly (readonly [string, FieldPath, FieldPath, boolean])[] = [
  ["process.name", compileFieldPath("process.name"), compileFieldPath("endgame.process_name"), false],
  ["process.pid", compileFieldPath("process.pid"), compileFieldPath("endgame.pid"), true],
  [
    "process.parent.name",
    compileFieldPath("process.parent.name"),
    compileFieldPath("endgame.parent_process_name"),
    false,
  ],
  ["process.exit_code", compileFieldPath("process.exit_code"), compileFieldPath("endgame.exit_code"), true],
];

/** Integers as numbers (as in Endgame's own documents); anything else stays the string given. */
function numbers(values: readonly string[]): unknown {
  const out = values.map((v) => (/^-?\d{1,15}$/.test(v) ? Number(v) : v));
  return out.length === 1 ? out[0] : out;
}

export function endgameToEcs(record: Record<string, unknown>): Record<string, unknown> {
  let path = fieldValues(record, FILE_PATH);
  const addPath = path.length === 0 ? fieldValues(record, LEGACY_FILE_PATH) : [];
  if (addPath.length > 0) path = addPath;

  let addName: string[] = [];
  if (fieldValues(record, FILE_NAME).length === 0) {
    addName = fieldValues(record, LEGACY_FILE_NAME);
    if (addName.length === 0) addName = path.map(basename).filter((n) => n !== "");
  }
  let added: [string, unknown][] | undefined;
  for (const [key, ecs, legacy, numeric] of FALLBACKS) {
    if (fieldValues(record, ecs).length > 0) continue;
    const values = fieldValues(record, legacy);
    if (values.length === 0) continue;
    if (added === undefined) added = [];
    added.push([key, numeric ? numbers(values) : shape(values)]);
  }

  if (addPath.length === 0 && addName.length === 0 && added === undefined) return record;
  const view: Record<string, unknown> = { ...record };
  if (addPath.length > 0) view["file.path"] = shape(addPath);
  if (addName.length > 0) view["file.name"] = shape(addName);
  // Keys come from FALLBACKS (literals), never from the record.
  for (const [key, value] of added ?? []) view[key] = value;
  return view;
}
