/**
 * Attacker-controlled values (paths, command lines, host and user names come straight from the
 * logged machine) made safe for the two human renderings. Email: no raw control characters, no
 * forged lines, no bidi tricks that make `evil.exe` read `exe.live`. Slack: additionally no
 * mentions (`<!channel>`, `@here`), no links (`<http://x|y>`), and no way out of a code span.
 * The JSON renderings keep the raw values; this module is only for what people read.
 */

/** Longest value shown in full in email/Slack; longer ones are cut with a marker. */
export const DEFAULT_MAX_CHARS = 1000;

// C0 controls, DEL and C1 controls; the Unicode format characters that reorder or hide text
// (bidi embeddings/overrides/isolates, marks, zero-width characters, BOM), the line and paragraph
// separators some clients treat as line breaks; characters that render as nothing or as blank
// space and so hide or pad text (soft hyphen U+00AD, combining grapheme joiner U+034F, the Hangul
// and Khmer fillers, Mongolian vowel separator, variation selectors, interlinear annotation
// U+FFF9-FFFB, the tag characters U+E0000-E007F and variation selectors supplement
// U+E0100-E01EF); and lone surrogates (invalid UTF-16: with the `u` flag a surrogate matches
// only when it is not half of a pair). The combining ones (U+034F and the variation selectors)
// stand alone: in a class they would read as combining with the previous character.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}\ud800-\udfff]|\u034f|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]/gu;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Replaces every unsafe character with a visible escape (`\n`, `\x1b`, `\u202e`, `\u{e0041}`). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0) ?? 0;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, "0")}`;
    return `\\u{${code.toString(16)}}`;
  });
}

/** Cuts to `max` UTF-16 units (never inside a surrogate pair) and says how much was left out. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…[+${s.length - end} chars]`;
}

/** A value from a log, for plain-text email: truncated, then control characters escaped. */
export function plainText(value: unknown, max = DEFAULT_MAX_CHARS): string {
  return escapeControls(truncate(stringify(value), max));
}

/** Escapes the three characters Slack's mrkdwn gives meaning to (`<!channel>`, `<@U1>`, `<url|text>`). */
export function escapeSlackEntities(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A value from a log for Slack, rendered as an inline code span: inside one, `*`, `_`, `~` and URLs
 * are inert. A backtick would close the span, so it becomes the look-alike U+02CB; `@channel`,
 * `@here` and `@everyone` get a full-width at sign so no client turns them into a mention.
 */
export function slackCode(value: unknown, max = DEFAULT_MAX_CHARS): string {
  const text = plainText(value, max);
  if (text === "") return "(empty)";
  const safe = escapeSlackEntities(text)
    .replace(/`/g, "\u02cb")
    .replace(/@(channel|here|everyone)\b/gi, "\uff20$1");
  return `\`${safe}\``;
}

/**
 * For the email subject and message attributes: printable ASCII only (SNS rejects anything else
 * in a Subject); every other character becomes `?`, and long values end in `...`.
 */
export function printableAscii(value: unknown, max = 64): string {
  const s = stringify(value).replace(/[^\x20-\x7e]/g, "?");
  return (s.length > max ? `${s.slice(0, Math.max(0, max - 3))}...` : s).trim();
}

/**
 * For a Slack title, where no code span is possible: printable ASCII, entities escaped, and the
 * markup characters replaced by their full-width look-alikes so they stay readable but inert
 * (brackets and parentheses too: `[click](https://evil.example)` is a link in client markdown).
 */
export function slackTitleText(value: unknown, max = 64): string {
  return noMentions(
    escapeSlackEntities(printableAscii(value, max))
      .replace(/\*/g, "\uff0a")
      .replace(/_/g, "\uff3f")
      .replace(/~/g, "\uff5e")
      .replace(/`/g, "\u02cb")
      .replace(/\[/g, "\uff3b")
      .replace(/\]/g, "\uff3d")
      .replace(/\(/g, "\uff08")
      .replace(/\)/g, "\uff09"),
  );
}

/**
 * For text shown by Slack as plain text or markdown alike (the notification summary): printable
 * ASCII, `@channel`/`@here`/`@everyone` with a full-width at sign, and `<`, `>`, brackets and
 * parentheses as full-width look-alikes, so neither `@here`, `<!here>` nor `[a](url)` becomes a
 * mention or a link, and it still reads right.
 */
export function slackPlainSummary(value: unknown, max = 64): string {
  return noMentions(
    printableAscii(value, max)
      .replace(/</g, "\uff1c")
      .replace(/>/g, "\uff1e")
      .replace(/\[/g, "\uff3b")
      .replace(/\]/g, "\uff3d")
      .replace(/\(/g, "\uff08")
      .replace(/\)/g, "\uff09"),
  );
}

function noMentions(s: string): string {
  return s.replace(/@(channel|here|everyone)\b/gi, "\uff20$1");
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(stringify).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
