/**
 * File-family event types: `file` (pipeline-file.yml) and `scheduled_task`
 * (pipeline-scheduled-task.yml, which fills file.* from the task's file but sets no category).
 */

import { longUnlessEmpty, mapContainer } from "./common.ts";
import { toDate } from "./convert.ts";
import { child, type Doc, type Obj, put } from "./doc.ts";

/** event.type / event.action of a file event from the raw `event.type` (sequential, as the sets). */
export function fileEventKinds(rawType: unknown): { type: string; action: string | undefined } {
  if (typeof rawType !== "string") return { type: "info", action: undefined };
  const t = rawType.toLowerCase();
  let type: string | undefined;
  if (t.includes("creat")) type = "creation";
  if (t.includes("delet")) type = "deletion";
  if (t.includes("change") || t.includes("modif") || t.includes("rename")) type = "change";
  let action: string | undefined;
  if (t.includes("creat")) action = "creation";
  if (t.includes("delet")) action = "deletion";
  if (t.includes("change") || t.includes("modif")) action = "change";
  if (t.includes("rename")) action = "rename";
  return { type: type ?? "info", action };
}

function targetFile(d: Doc, file: Obj): void {
  const { raw } = d;
  put(d, file, "created", toDate(raw.get("tgt.file.creationTime")));
  put(d, file, "extension", raw.copy("tgt.file.extension"));
  const hash = child(file, "hash");
  put(d, hash, "md5", raw.copy("tgt.file.md5"));
  put(d, hash, "sha1", raw.copy("tgt.file.sha1"));
  put(d, hash, "sha256", raw.copy("tgt.file.sha256"));
  put(d, file, "mtime", toDate(raw.get("tgt.file.modificationTime")));
  put(d, file, "path", raw.copy("tgt.file.path"));
}

export function mapFile(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["file"];
  const kinds = fileEventKinds(raw.get("event.type"));
  event.type = [kinds.type];
  if (kinds.action !== undefined) event.action = [kinds.action];
  mapContainer(d);

  const file = child(root, "file");
  targetFile(d, file);
  put(d, file, "type", raw.copy("tgt.file.type"));

  const path = raw.get("tgt.file.path");
  if (typeof path === "string" && path.length > 1) {
    let idx = path.lastIndexOf("\\");
    if (idx === -1) idx = path.lastIndexOf("/");
    if (idx > -1) {
      // Overrides tgt.file.name; a path ending in a separator leaves an empty name, which the
      // final clean-up removes (so no file.name at all).
      const name = path.slice(idx + 1);
      file.name = name;
      file.directory = path.slice(0, idx);
      // The extension is derived only when file.type is exactly "file" (Cloud Funnel sends
      // other values, so in practice file.extension is the raw tgt.file.extension).
      const dot = name.lastIndexOf(".");
      if (dot > -1 && file.type === "file") file.extension = name.slice(dot + 1);
    }
    if (path.indexOf(":") === 1) file.drive_letter = path.slice(0, 1).toUpperCase();
  }
  put(d, file, "size", longUnlessEmpty(d, "tgt.file.size"));
  const tid = longUnlessEmpty(d, "src.process.tid");
  if (tid !== undefined) child(child(root, "process"), "thread").id = tid;
}

export function mapScheduledTask(d: Doc): void {
  const file = child(d.root, "file");
  targetFile(d, file);
  put(d, file, "size", longUnlessEmpty(d, "tgt.file.size"));
  put(d, file, "type", d.raw.copy("tgt.file.type"));
}
