/** The one rendering of a rule's MITRE ATT&CK mapping, shared by email, Slack and the CLI's text. */
import type { Alert } from "./alert.ts";

/**
 * One line per tactic: `TA0003 Persistence: T1543 Create or Modify System Process (T1543.002
 * Systemd Service)`. Raw values: each rendering sanitises the lines for its medium.
 */
export function mitreLines(threat: Alert["rule"]["threat"]): string[] {
  return threat.map((t) => {
    const techniques = (t.technique ?? []).map((tech) => {
      const subs = (tech.subtechnique ?? []).map((s) => `${s.id} ${s.name}`);
      return `${tech.id} ${tech.name}${subs.length > 0 ? ` (${subs.join(", ")})` : ""}`;
    });
    return `${t.tactic.id} ${t.tactic.name}${techniques.length > 0 ? `: ${techniques.join(", ")}` : ""}`;
  });
}
