/**
 * Alerts of one scanned object -> planned SNS messages: one per rule (grouping its hits), split
 * so every message stays under SNS's 256 KiB limit, and grouped into PublishBatch calls (at most
 * 10 entries and 256 KiB each). Message ids are deterministic, so a redelivered notification
 * produces identical messages that subscribers (and FIFO topics) can de-duplicate. Pure: the
 * sending is src/lambda/publish.ts.
 */
import type { Alert } from "./alert.ts";
import { digest } from "./digest.ts";
import { type AlertMessageInput, type ObjectContext, type RuleContext, renderMessage } from "./render.ts";

/** SNS's limit for one message: body plus subject plus attributes, in bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** PublishBatch: at most 10 entries and 256 KiB in one call. */
export const SNS_MAX_BATCH_ENTRIES = 10;
// Room for what we do not count exactly (the request's own framing); 2 KiB is far above it.
const SAFETY_BYTES = 2048;

/** An SNS message attribute as the Publish APIs take it (the SDK's MessageAttributeValue, String only). */
export interface MessageAttribute {
  readonly DataType: "String";
  readonly StringValue: string;
}

export interface PlannedMessage {
  /** Deterministic: rule id, object, version and the first alert of the part. */
  readonly id: string;
  readonly subject: string;
  /** The MessageStructure "json" body: JSON object of strings keyed by protocol. */
  readonly message: string;
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  /** Message + subject + attributes, as SNS counts them. */
  readonly bytes: number;
  readonly ruleId: string;
  readonly alerts: number;
}

export interface PlanInput {
  readonly object: ObjectContext;
  readonly alerts: readonly Alert[];
  /** Rule descriptions etc. by rule id, for the human renderings. */
  readonly ruleContexts?: ReadonlyMap<string, RuleContext>;
  /** For tests; defaults to SNS_MAX_MESSAGE_BYTES. */
  readonly maxBytes?: number;
}

/** Plans every message for one object: grouped per rule (first-seen order), split to fit. */
export function planMessages(input: PlanInput): PlannedMessage[] {
  const limit = (input.maxBytes ?? SNS_MAX_MESSAGE_BYTES) - SAFETY_BYTES;
  const byRule = new Map<string, Alert[]>();
  for (const a of input.alerts) {
    const list = byRule.get(a.rule.id);
    if (list === undefined) byRule.set(a.rule.id, [a]);
    else list.push(a);
  }
  const out: PlannedMessage[] = [];
  for (const [ruleId, alerts] of byRule) {
    const rule = alerts[0]!.rule;
    const base = {
      object: input.object,
      rule,
      totalAlerts: alerts.length,
      ...(input.ruleContexts?.get(ruleId) === undefined
        ? {}
        : { ruleContext: input.ruleContexts.get(ruleId)! }),
    };
    const parts = splitToFit(alerts, base, limit);
    parts.forEach((p, i) => {
      out.push(finish({ ...base, ...p, part: i + 1, parts: parts.length }));
    });
  }
  return out;
}

/** One rule's hits of one object, or a run of them, for a message sent as the scan goes. */
export interface RulePartInput {
  readonly object: ObjectContext;
  readonly rule: Alert["rule"];
  readonly ruleContext?: RuleContext;
  /** The hits to send now (at least one), in the order found. */
  readonly alerts: readonly Alert[];
  /** Number of the first message planned here (1-based, continuing the rule's earlier parts). */
  readonly firstPart: number;
  /**
   * The rule's last messages for the object: they carry the totals and the part count. Earlier
   * ones say more may follow.
   */
  readonly final: boolean;
  /** Hits of the rule in the whole object (final messages only). */
  readonly totalAlerts?: number;
  /** Hits over the per-rule cap, counted but not listed (final messages only). */
  readonly notListed?: number;
  readonly alertsLocation?: string;
  /** For tests; defaults to SNS_MAX_MESSAGE_BYTES. */
  readonly maxBytes?: number;
}

/**
 * Plans the messages for a run of one rule's hits (streaming: the caller collects about one
 * message's worth with {@link alertBytesEstimate} and {@link messageBudgetBytes}, then sends).
 * Usually one message; more only when the estimate was short and the run had to be halved.
 */
export function planRulePart(input: RulePartInput): PlannedMessage[] {
  const limit = (input.maxBytes ?? SNS_MAX_MESSAGE_BYTES) - SAFETY_BYTES;
  const base: Base = {
    object: input.object,
    rule: input.rule,
    ...(input.ruleContext === undefined ? {} : { ruleContext: input.ruleContext }),
    ...(input.totalAlerts === undefined ? {} : { totalAlerts: input.totalAlerts }),
    ...(input.notListed === undefined || input.notListed === 0 ? {} : { notListed: input.notListed }),
    ...(input.alertsLocation === undefined ? {} : { alertsLocation: input.alertsLocation }),
  };
  const parts = exact(input.alerts, base, limit);
  const last = input.firstPart + parts.length - 1;
  return parts.map((p, i) =>
    finish({ ...base, ...p, part: input.firstPart + i, ...(input.final ? { parts: last } : {}) }),
  );
}

/** What one alert adds to a message, estimated cheaply (its JSON, escaped once more, plus its share of the human renderings). */
export function alertBytesEstimate(alert: Alert): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(alert))) + 1 + 200;
}

/** Estimated bytes of hits to collect before sending a message (below the limit: the estimate is rough). */
export function messageBudgetBytes(maxBytes = SNS_MAX_MESSAGE_BYTES): number {
  return Math.floor((maxBytes - SAFETY_BYTES) * 0.9) - 8192;
}

type Base = Omit<AlertMessageInput, "alerts" | "part" | "parts" | "id" | "truncated">;
interface Part {
  readonly alerts: readonly Alert[];
  readonly truncated?: readonly string[];
}

function messageId(input: Omit<AlertMessageInput, "id">): string {
  const first = input.alerts[0]?.id ?? "";
  return digest([input.rule.id, input.object.uri, input.object.version ?? "", first]);
}

function finish(input: Omit<AlertMessageInput, "id">): PlannedMessage {
  const id = messageId(input);
  const rendered = renderMessage({ ...input, id });
  const message = JSON.stringify(rendered.message);
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(rendered.attributes)) {
    attributes[name] = { DataType: "String", StringValue: value };
  }
  return {
    id,
    subject: rendered.subject,
    message,
    attributes,
    bytes: sizeOf(rendered.subject, message, attributes),
    ruleId: input.rule.id,
    alerts: input.alerts.length,
  };
}

export function sizeOf(
  subject: string,
  message: string,
  attributes: Readonly<Record<string, MessageAttribute>>,
): number {
  let n = Buffer.byteLength(message) + Buffer.byteLength(subject);
  for (const [name, v] of Object.entries(attributes)) {
    n +=
      Buffer.byteLength(name) + Buffer.byteLength(v.DataType ?? "") + Buffer.byteLength(v.StringValue ?? "");
  }
  return n;
}

function measure(base: Base, part: Part): number {
  // Part numbers and the id do not change the size by more than a few bytes; "99/99" bounds them.
  return finish({ ...base, ...part, part: 99, parts: 99 }).bytes;
}

/**
 * Greedy packing on a cheap per-alert estimate (its JSON, escaped once more inside the
 * MessageStructure body, plus its share of the email and Slack renderings), then an exact render
 * of each part; a part that is still too big is halved.
 * Rendering stays roughly linear in the number of hits.
 */
function splitToFit(alerts: readonly Alert[], base: Base, limit: number): Part[] {
  const empty = measure(base, { alerts: [] });
  const parts: Part[] = [];
  let current: Alert[] = [];
  let estimate = empty;
  const flush = () => {
    if (current.length > 0) parts.push(...exact(current, base, limit));
    current = [];
    estimate = empty;
  };
  for (const a of alerts) {
    const cost = alertBytesEstimate(a);
    if (current.length > 0 && estimate + cost > limit * 0.9) flush();
    current.push(a);
    estimate += cost;
  }
  flush();
  return parts;
}

function exact(alerts: readonly Alert[], base: Base, limit: number): Part[] {
  if (measure(base, { alerts }) <= limit) return [{ alerts }];
  if (alerts.length > 1) {
    const mid = Math.ceil(alerts.length / 2);
    return [...exact(alerts.slice(0, mid), base, limit), ...exact(alerts.slice(mid), base, limit)];
  }
  return [shrink(alerts[0]!, base, limit)];
}

/**
 * One alert too big for a message on its own (a record with a huge command line or payload):
 * keep the alert, cut its raw record and then its long event values, at growing severity, and
 * say in the message what was cut. Only reached when nothing else fits.
 */
function shrink(alert: Alert, base: Base, limit: number): Part {
  const rawText = JSON.stringify(alert.raw) ?? "";
  for (const keep of [16_384, 4096, 1024, 256, 0]) {
    const notes: string[] = [];
    const event: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(alert.event)) {
      event[k] = cutValue(v, keep * 2, () => notes.push(`event field ${k} of record ${alert.source.record}`));
    }
    const cut = {
      ...alert,
      event,
      raw: null,
      raw_truncated: {
        bytes: Buffer.byteLength(rawText),
        preview:
          rawText.length > keep ? `${rawText.slice(0, keep)}…[+${rawText.length - keep} chars]` : rawText,
      },
    } as Alert;
    notes.unshift(
      `raw record ${alert.source.record} (${Buffer.byteLength(rawText)} bytes): raw is null, raw_truncated has a preview`,
    );
    const part = { alerts: [cut], truncated: notes };
    if (measure(base, part) <= limit) return part;
  }
  // Unreachable in practice (every variable part is now bounded); fail loudly rather than send junk.
  throw new Error(`alert ${alert.id} cannot be made to fit in an SNS message`);
}

function cutValue(v: unknown, max: number, noted: () => void): unknown {
  if (typeof v === "string") {
    if (v.length <= max) return v;
    noted();
    return `${v.slice(0, max)}…[+${v.length - max} chars]`;
  }
  if (Array.isArray(v)) {
    let cutAny = false;
    const out = v.slice(0, 16).map((x) => cutValue(x, max, () => (cutAny = true)));
    if (cutAny || v.length > 16) noted();
    return out;
  }
  return v;
}

/** Groups of at most 10 entries and at most 256 KiB in total. */
export function batches(messages: readonly PlannedMessage[]): PlannedMessage[][] {
  const out: PlannedMessage[][] = [];
  let current: PlannedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (
      current.length > 0 &&
      (current.length >= SNS_MAX_BATCH_ENTRIES || bytes + m.bytes > SNS_MAX_MESSAGE_BYTES - SAFETY_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
