/**
 * Elastic's `registered_domain` processor: the registered domain, its public suffix
 * (top_level_domain) and the subdomain of a host name, by the Public Suffix List with both its
 * ICANN and private sections (as Apache HttpClient's PublicSuffixMatcher, which Elasticsearch
 * uses). The list here is the one bundled with tldts; Elasticsearch's is its HttpClient's copy,
 * so a suffix added to the list recently may be known to one and not the other.
 */
import { parse } from "tldts";

export interface DomainInfo {
  readonly registeredDomain?: string;
  readonly topLevelDomain: string;
  readonly subdomain?: string;
}

export function registeredDomain(host: string): DomainInfo | undefined {
  const p = parse(host, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
  if (p.isIp === true || p.publicSuffix === null) return undefined;
  if (p.domain === null) {
    // The host is itself a public suffix: Elasticsearch reports it as domain and suffix only.
    const known = p.isIcann === true || p.isPrivate === true;
    return known && p.publicSuffix === host.toLowerCase() ? { topLevelDomain: host } : undefined;
  }
  if (!p.domain.includes(".")) return undefined;
  // Slice the host as written (tldts lower-cases; Elasticsearch keeps the case of the input).
  const regLen = p.domain.length;
  const reg = host.slice(host.length - regLen);
  const sub = host.length > regLen + 1 ? host.slice(0, host.length - regLen - 1) : undefined;
  const dot = reg.indexOf(".");
  return sub === undefined
    ? { registeredDomain: reg, topLevelDomain: reg.slice(dot + 1) }
    : { registeredDomain: reg, topLevelDomain: reg.slice(dot + 1), subdomain: sub };
}
