/**
 * Event types whose pipelines map little into ECS: `logins` (pipeline-login.yml), `indicators`
 * (pipeline-indicator.yml), `threat_intelligence_indicators`
 * (pipeline-threat-intelligence-indicator.yml) and `module` (pipeline-module.yml: custom fields
 * only, so nothing here).
 */
import { longUnlessEmpty } from "./common.ts";
import { toIp } from "./convert.ts";
import { append, child, type Doc, failed, put } from "./doc.ts";

export function mapLogin(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["authentication"];
  const type = raw.get("event.type");
  if (type === "Login") event.type = ["start"];
  if (type === "Logout") event.type = ["end"];
  if (event.type === undefined) event.type = ["info"];
  // The account that logged in replaces the source process's user name; user.domain stays the
  // source process's domain (the pipeline sets no other).
  put(d, child(root, "user"), "name", raw.copy("event.login.userName"));
  const ip = toIp(raw.copy("src.endpoint.ip.address"));
  if (failed(ip)) d.error = true;
  else if (ip !== undefined) append(child(root, "host"), "ip", ip);
}

export function mapIndicator(d: Doc): void {
  const tid = longUnlessEmpty(d, "src.process.tid");
  if (tid !== undefined) child(child(d.root, "process"), "thread").id = tid;
}

export function mapThreatIntel(d: Doc): void {
  const event = child(d.root, "event");
  event.category = ["threat"];
  event.type = ["indicator"];
}
