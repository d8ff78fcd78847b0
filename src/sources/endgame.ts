/**
 * Elastic Endgame documents: ECS plus `endgame.*`. Older documents carry the file and process
 * only in legacy fields (`endgame.file_path`, `endgame.file_name`, `endgame.process_name`);
 * those fill the ECS field when it is absent, and `file.name` falls back to the basename of
 * the path.
 *
 * When nothing is missing the record is its own view (no copy). Otherwise the view is a shallow
 * copy (spread defines own data properties, so a `__proto__` key stays plain data) plus flat
 * dotted ECS keys with fixed names; field access treats `{"file.path": x}` and
 * `{"file": {"path": x}}` alike, and the field was absent, so nothing is shadowed.
 */
import { compileFieldPath, fieldValues } from "../document/index.ts";
import { basename, shape } from "./values.ts";

const FILE_PATH = compileFieldPath("file.path");
const FILE_NAME = compileFieldPath("file.name");
const PROCESS_NAME = compileFieldPath("process.name");
const LEGACY_FILE_PATH = compileFieldPath("endgame.file_path");
const LEGACY_FILE_NAME = compileFieldPath("endgame.file_name");
const LEGACY_PROCESS_NAME = compileFieldPath("endgame.process_name");

export function endgameToEcs(record: Record<string, unknown>): Record<string, unknown> {
  let path = fieldValues(record, FILE_PATH);
  const addPath = path.length === 0 ? fieldValues(record, LEGACY_FILE_PATH) : [];
  if (addPath.length > 0) path = addPath;

  let addName: string[] = [];
  if (fieldValues(record, FILE_NAME).length === 0) {
    addName = fieldValues(record, LEGACY_FILE_NAME);
    if (addName.length === 0) addName = path.map(basename).filter((n) => n !== "");
  }
  const addProcess =
    fieldValues(record, PROCESS_NAME).length === 0 ? fieldValues(record, LEGACY_PROCESS_NAME) : [];

  if (addPath.length === 0 && addName.length === 0 && addProcess.length === 0) return record;
  const view: Record<string, unknown> = { ...record };
  if (addPath.length > 0) view["file.path"] = shape(addPath);
  if (addName.length > 0) view["file.name"] = shape(addName);
  if (addProcess.length > 0) view["process.name"] = shape(addProcess);
  return view;
}
