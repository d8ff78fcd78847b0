/**
 * Publishes one object's alerts as the scan finds them, so memory holds at most about one
 * message of hits per rule, whatever the number of hits:
 * - per rule, hits are collected until the next would overflow a message, then that message is
 *   sent (in the background: the scan goes on) and the collection starts again;
 * - at most `maxHitsPerRule` hits of a rule are listed in messages; the others are counted, and
 *   the rule's last message says how many were not listed (and where they all are, when an
 *   alerts bucket keeps them);
 * - the last message of each rule, sent when the scan ends, carries the object's totals and, for
 *   a damaged object, the failure.
 * Message ids are deterministic (rule, object version, first hit of the message), so a rescan
 * produces the same messages and the progress record skips those already accepted.
 */
import type { SNSClient } from "@aws-sdk/client-sns";
import {
  type Alert,
  alertBytesEstimate,
  messageBudgetBytes,
  type ObjectContext,
  type PlannedMessage,
  planRulePart,
  type RuleContext,
} from "../alerts/index.ts";
import type { Backpressure } from "./backpressure.ts";
import { PublishError, type PublishProgress, publishMessages } from "./publish.ts";

/** Hits of one rule listed in messages per object, by default. */
export const DEFAULT_MAX_HITS_PER_RULE = 100;

export interface ObjectPublisherOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** The object (counts unknown yet: they reach the last messages through finish()). */
  readonly object: Pick<ObjectContext, "bucket" | "key" | "uri" | "version">;
  readonly ruleContexts?: ReadonlyMap<string, RuleContext>;
  /** @default DEFAULT_MAX_HITS_PER_RULE */
  readonly maxHitsPerRule?: number;
  readonly progress?: PublishProgress;
  /** Where every hit of a rule is kept, named in its last message. */
  readonly alertsLocation?: (ruleId: string) => string | undefined;
  /** Told how many message bytes wait to be sent, so the object's stream can wait for SNS. */
  readonly pressure?: Backpressure;
  /** For tests; defaults to SNS's limit. */
  readonly maxMessageBytes?: number;
}

export interface ObjectPublishSummary {
  /** Hits found, listed or not. */
  readonly alerts: number;
  /** Hits over the per-rule cap (counted, not in any message). */
  readonly notListed: number;
  /** Messages planned (sent now or by an earlier attempt). */
  readonly messages: number;
  /** Messages accepted by SNS in this attempt. */
  readonly published: number;
  /** Messages an earlier attempt had published: not sent again. */
  readonly skipped: number;
}

interface RuleState {
  readonly rule: Alert["rule"];
  buffer: Alert[];
  bytes: number;
  listed: number;
  total: number;
  nextPart: number;
}

export class ObjectPublisher {
  private readonly rules = new Map<string, RuleState>();
  private readonly cap: number;
  private readonly budget: number;
  /** Planned, not yet handed to SNS. */
  private pending: PlannedMessage[] = [];
  /** The send loop (the last one started; settled when idle). */
  private sending: Promise<void> = Promise.resolve();
  private draining = false;
  private error: unknown;
  private planned = 0;
  private published = 0;
  private skipped = 0;
  private alerts = 0;
  private notListed = 0;
  private finished = false;

  constructor(private readonly options: ObjectPublisherOptions) {
    this.cap = options.maxHitsPerRule ?? DEFAULT_MAX_HITS_PER_RULE;
    if (!Number.isSafeInteger(this.cap) || this.cap < 1) {
      throw new RangeError(`maxHitsPerRule must be a whole number >= 1, got ${String(this.cap)}`);
    }
    this.budget = messageBudgetBytes(options.maxMessageBytes);
  }

  /** The scan's onAlert: never throws (a failed send is reported by finish()). */
  add(alert: Alert): void {
    if (this.finished) return;
    this.alerts++;
    let st = this.rules.get(alert.rule.id);
    if (st === undefined) {
      st = { rule: alert.rule, buffer: [], bytes: 0, listed: 0, total: 0, nextPart: 1 };
      this.rules.set(alert.rule.id, st);
    }
    st.total++;
    if (st.listed >= this.cap) {
      this.notListed++;
      return;
    }
    st.listed++;
    const cost = alertBytesEstimate(alert);
    // Send the collected hits before adding one that would overflow the message, so a rule
    // always has hits left for its last message (the one with the totals).
    if (st.buffer.length > 0 && st.bytes + cost > this.budget) this.send(this.plan(st, false));
    st.buffer.push(alert);
    st.bytes += cost;
  }

  /**
   * The scan ended (completely or with a permanent failure in `object`): sends every rule's last
   * messages, waits for everything in flight and throws the first PublishError, if any.
   */
  async finish(object: ObjectContext): Promise<ObjectPublishSummary> {
    this.finished = true;
    const last: PlannedMessage[] = [];
    for (const st of this.rules.values()) last.push(...this.plan(st, true, object));
    // One PublishBatch for the last messages of every rule.
    this.send(last);
    await this.sending;
    if (this.error !== undefined) throw this.error;
    return {
      alerts: this.alerts,
      notListed: this.notListed,
      messages: this.planned,
      published: this.published,
      skipped: this.skipped,
    };
  }

  /** The scan broke (transient): waits for sends in flight; the retry publishes what is missing. */
  async abandon(): Promise<void> {
    this.finished = true;
    const dropped = this.pending;
    this.pending = [];
    this.options.pressure?.sent(dropped.reduce((n, m) => n + m.bytes, 0));
    await this.sending;
  }

  private plan(st: RuleState, final: boolean, object?: ObjectContext): PlannedMessage[] {
    if (st.buffer.length === 0) return [];
    const o = this.options;
    const ruleContext = o.ruleContexts?.get(st.rule.id);
    const location = final ? o.alertsLocation?.(st.rule.id) : undefined;
    const messages = planRulePart({
      object: object ?? o.object,
      rule: st.rule,
      ...(ruleContext === undefined ? {} : { ruleContext }),
      alerts: st.buffer,
      firstPart: st.nextPart,
      final,
      ...(final ? { totalAlerts: st.total, notListed: st.total - st.listed } : {}),
      ...(location === undefined ? {} : { alertsLocation: location }),
      ...(o.maxMessageBytes === undefined ? {} : { maxBytes: o.maxMessageBytes }),
    });
    st.nextPart += messages.length;
    st.buffer = [];
    st.bytes = 0;
    return messages;
  }

  /**
   * Queues messages for the send loop. Messages planned while a call is in flight go out
   * together in the next one (PublishBatch takes 10), so a fast scan makes fewer, fuller calls.
   */
  private send(messages: readonly PlannedMessage[]): void {
    if (messages.length === 0) return;
    this.planned += messages.length;
    this.options.pressure?.queue(messages.reduce((n, m) => n + m.bytes, 0));
    this.pending.push(...messages);
    if (!this.draining) {
      this.draining = true;
      this.sending = this.drain();
    }
  }

  private async drain(): Promise<void> {
    const o = this.options;
    // `draining` is cleared in the same turn as the last check of `pending`: a message queued
    // after it starts a new loop, never waits in a queue nobody reads.
    for (;;) {
      if (this.pending.length === 0) {
        this.draining = false;
        return;
      }
      const now = this.pending;
      this.pending = [];
      const bytes = now.reduce((n, m) => n + m.bytes, 0);
      // After a failure nothing more is sent: the redelivery resends from the first missing one.
      if (this.error !== undefined) {
        o.pressure?.sent(bytes);
        continue;
      }
      try {
        const r = await publishMessages(o.sns, o.topicArn, now, {
          ...(o.progress === undefined ? {} : { progress: o.progress }),
        });
        this.published += r.published;
        this.skipped += r.skipped;
      } catch (err) {
        this.error = err instanceof PublishError ? err : new PublishError(String(err), { cause: err });
      } finally {
        o.pressure?.sent(bytes);
      }
    }
  }
}
