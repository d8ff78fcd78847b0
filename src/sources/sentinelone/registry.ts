/** Registry events (pipeline-registry.yml). */
import { child, type Doc, put } from "./doc.ts";

const THROWS: unique symbol = Symbol("throws");

/** A condition calling toLowerCase() on a value that is not a string throws in Painless. */
function lower(v: unknown): string | undefined | typeof THROWS {
  if (typeof v === "string") return v.toLowerCase();
  return v === undefined || v === null ? undefined : THROWS;
}

export function mapRegistry(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["registry"];
  const rawType = raw.get("event.type");
  const t = lower(rawType);
  // A processor that throws ends this pipeline (its on_failure only records the error).
  if (t === THROWS) {
    d.error = true;
    return;
  }
  // Note "create" here, where the file pipeline tests "creat"; and no "info" default.
  if (t !== undefined) {
    if (t.includes("create")) event.type = ["creation"];
    if (t.includes("delet")) event.type = ["deletion"];
    if (t.includes("change") || t.includes("modif")) event.type = ["change"];
    const meta = lower(raw.get("meta.event.name"));
    if (meta !== undefined && meta !== THROWS) {
      if (meta.includes("regvaluecreate") || meta.includes("regkeycreate")) event.action = ["creation"];
      if (meta.includes("regvaluemodified")) event.action = ["modification"];
      if (meta.includes("regvaluedelete") || meta.includes("regkeydelete")) event.action = ["deletion"];
    } else {
      d.error = true; // meta_event_name.toLowerCase() on null (or a non-string) throws
      return;
    }
  }

  const registry = child(root, "registry");
  const path = raw.copy("registry.keyPath");
  put(d, registry, "path", path);
  if (typeof path === "string") {
    // key = everything before the last backslash, value = the name after it.
    const idx = path.lastIndexOf("\\");
    if (idx >= 0) {
      registry.key = path.slice(0, idx);
      registry.value = path.slice(idx + 1);
    }
  }
  const data = child(registry, "data");
  put(d, data, "strings", raw.copy("registry.value"));
  put(d, data, "type", raw.copy("registry.valueType"));
}
