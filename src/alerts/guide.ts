/**
 * A rule's investigation guide (`note`, Markdown) for people: plain text for email, Slack mrkdwn
 * for AWS Chatbot. Rule files come from a pack or a colleague's export, not from us, so the text
 * is sanitised like any log value (no control or bidi characters, no mentions, only http(s)
 * links) and cut to fit a message, with a pointer to where the full guide is.
 */
import { lexer, type Token, type Tokens } from "marked";
import { escapeControls, escapeSlackEntities } from "./sanitize.ts";

export interface RenderedGuide {
  readonly text: string;
  /** True when the guide was cut to fit. */
  readonly truncated: boolean;
}

type Style = "plain" | "slack";

const HTTP_URL = /^https?:\/\/[^\s<>|]+$/i;

function noMentions(s: string): string {
  return s.replace(/@(channel|here|everyone)\b/gi, "\uff20$1");
}

/** Text from the guide itself: controls escaped, and for Slack entities and mentions made inert. */
function safe(text: string, style: Style): string {
  const t = escapeControls(text.replace(/\r?\n/g, " "));
  return style === "slack" ? noMentions(escapeSlackEntities(t)) : t;
}

function code(text: string, style: Style): string {
  const t = escapeControls(text.replace(/\r?\n/g, " "));
  return style === "slack" ? `\`${noMentions(escapeSlackEntities(t)).replace(/`/g, "\u02cb")}\`` : t;
}

function inline(tokens: readonly Token[] | undefined, style: Style): string {
  let out = "";
  for (const t of tokens ?? []) {
    switch (t.type) {
      case "strong": {
        const inner = inline((t as Tokens.Strong).tokens, style);
        out += style === "slack" ? `*${inner}*` : inner;
        break;
      }
      case "em": {
        const inner = inline((t as Tokens.Em).tokens, style);
        out += style === "slack" ? `_${inner}_` : inner;
        break;
      }
      case "codespan":
        out += code((t as Tokens.Codespan).text, style);
        break;
      case "link": {
        const l = t as Tokens.Link;
        const text = inline(l.tokens, style);
        if (!HTTP_URL.test(l.href)) out += text;
        else if (style === "slack") out += `<${escapeSlackEntities(l.href)}|${text}>`;
        else out += text === l.href ? l.href : `${text} (${escapeControls(l.href)})`;
        break;
      }
      case "image":
        out += safe((t as Tokens.Image).text, style);
        break;
      case "br":
        out += "\n";
        break;
      case "del":
        out += inline((t as Tokens.Del).tokens, style);
        break;
      case "text":
      case "escape": {
        const x = t as Tokens.Text;
        out += x.tokens !== undefined && x.tokens.length > 0 ? inline(x.tokens, style) : safe(x.text, style);
        break;
      }
      default:
        // html and anything unknown: its text, never markup.
        out += safe(
          "text" in t && typeof t.text === "string" ? t.text.replace(/<[^>]*>/g, "") : t.raw,
          style,
        );
    }
  }
  return out;
}

function blocks(tokens: readonly Token[], style: Style, indent: string, out: string[]): void {
  for (const t of tokens) {
    switch (t.type) {
      case "heading": {
        const h = t as Tokens.Heading;
        const text = inline(h.tokens, style);
        out.push("");
        out.push(
          style === "slack" ? `${indent}*${text}*` : `${indent}${h.depth <= 2 ? text.toUpperCase() : text}`,
        );
        break;
      }
      case "paragraph":
        out.push(`${indent}${inline((t as Tokens.Paragraph).tokens, style)}`);
        break;
      case "list": {
        const l = t as Tokens.List;
        let n = typeof l.start === "number" ? l.start : 1;
        for (const item of l.items) {
          const bullet = l.ordered ? `${n++}. ` : style === "slack" ? "• " : "- ";
          const inner: string[] = [];
          blocks(item.tokens, style, "", inner);
          const lines = inner.filter((x) => x !== "");
          out.push(`${indent}${bullet}${lines[0] ?? ""}`);
          for (const rest of lines.slice(1)) out.push(`${indent}${" ".repeat(bullet.length)}${rest}`);
        }
        break;
      }
      case "code": {
        const lines = (t as Tokens.Code).text.split(/\r?\n/).map((x) => escapeControls(x));
        if (style === "slack") {
          out.push("```");
          for (const x of lines)
            out.push(noMentions(escapeSlackEntities(x)).replace(/```/g, "\u02cb\u02cb\u02cb"));
          out.push("```");
        } else {
          for (const x of lines) out.push(`${indent}    ${x}`);
        }
        break;
      }
      case "blockquote": {
        const inner: string[] = [];
        blocks((t as Tokens.Blockquote).tokens, style, "", inner);
        for (const x of inner) out.push(`${indent}> ${x}`);
        break;
      }
      case "table": {
        const tb = t as Tokens.Table;
        out.push(indent + tb.header.map((c) => inline(c.tokens, style)).join(" | "));
        for (const row of tb.rows) out.push(indent + row.map((c) => inline(c.tokens, style)).join(" | "));
        break;
      }
      case "hr":
        out.push(`${indent}----`);
        break;
      case "space":
        out.push("");
        break;
      case "text": {
        const x = t as Tokens.Text;
        out.push(indent + (x.tokens !== undefined ? inline(x.tokens, style) : safe(x.text, style)));
        break;
      }
      default:
        if ("text" in t && typeof t.text === "string")
          out.push(indent + safe(t.text.replace(/<[^>]*>/g, ""), style));
    }
  }
}

function render(markdown: string, style: Style, maxChars: number, pointer: string): RenderedGuide {
  const out: string[] = [];
  blocks(lexer(markdown), style, "", out);
  // Collapse runs of blank lines and trim the ends.
  const lines: string[] = [];
  for (const l of out.map((x) => x.trimEnd())) {
    if (l === "" && (lines.length === 0 || lines.at(-1) === "")) continue;
    lines.push(l);
  }
  while (lines.at(-1) === "") lines.pop();
  const full = lines.join("\n");
  if (full.length <= maxChars) return { text: full, truncated: false };
  // Cut at a line boundary when one is near, never inside a code fence's closing line.
  const tail = `\n… ${pointer}`;
  let cut = full.lastIndexOf("\n", Math.max(0, maxChars - tail.length));
  if (cut < maxChars / 2) cut = Math.max(0, maxChars - tail.length);
  let text = full.slice(0, cut);
  if (style === "slack" && (text.match(/^```$/gm)?.length ?? 0) % 2 === 1) text += "\n```";
  return { text: `${text}${tail}`, truncated: true };
}

/** The guide as plain text for email: headings in capitals, lists with `-`, code indented. */
export function guideToPlainText(markdown: string, maxChars: number, pointer: string): RenderedGuide {
  return render(markdown, "plain", maxChars, pointer);
}

/** The guide as Slack mrkdwn: headings and strong text bold, links only for http(s) URLs. */
export function guideToSlack(markdown: string, maxChars: number, pointer: string): RenderedGuide {
  return render(markdown, "slack", maxChars, pointer);
}
