/**
 * Hand-written SentinelOne Cloud Funnel records for the mapping tests: flat dotted keys as Cloud
 * Funnel writes them, with invented values. Each test adds the keys of its event type.
 */
import { fieldValues } from "../../src/document/index.ts";

/** The keys every Cloud Funnel event carries: endpoint, agent, the source process and its parent. */
export function s1Base(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "dataSource.name": "SentinelOne",
    "i.scheme": "edr",
    "event.time": 1700000000123,
    "event.id": "EVT_1",
    "group.id": "grp-1",
    "agent.uuid": "agent-uuid-1",
    "endpoint.name": "WKS-07",
    "endpoint.os": "windows",
    "endpoint.type": "laptop",
    "os.name": "Windows 11 Pro",
    "src.process.name": "cmd.exe",
    "src.process.image.path": "C:\\Windows\\System32\\cmd.exe",
    "src.process.cmdline": 'cmd.exe /c "echo hi"',
    "src.process.pid": 4321,
    "src.process.uid": "SRC-UID",
    "src.process.user": "CORP\\alice",
    "src.process.displayName": "Windows Command Processor",
    "src.process.startTime": 1700000000000,
    "src.process.image.md5": "md5-src",
    "src.process.image.sha1": "sha1-src",
    "src.process.image.sha256": "sha256-src",
    "src.process.signedStatus": "signed",
    "src.process.verifiedStatus": "verified",
    "src.process.publisher": "MICROSOFT WINDOWS",
    "src.process.parent.name": "explorer.exe",
    "src.process.parent.image.path": "C:\\Windows\\explorer.exe",
    "src.process.parent.cmdline": '"C:\\Windows\\explorer.exe"',
    "src.process.parent.pid": "1200",
    "src.process.parent.uid": "PARENT-UID",
    "src.process.parent.user": "CORP\\alice",
    "src.process.parent.image.sha1": "sha1-parent",
    "src.process.parent.startTime": 1699990000000,
    ...overrides,
  };
}

export const values = (event: unknown, path: string): string[] => fieldValues(event, path);

/** The value at a dotted path of a nested view (undefined when absent). */
export function at(event: unknown, path: string): unknown {
  let node: unknown = event;
  for (const seg of path.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}
