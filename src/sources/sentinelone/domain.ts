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

/**
 * HttpClient's matcher walks the labels and stops at the first public-suffix rule; with no rule
 * at all (an unknown TLD, an IPv4 address) the registered domain is the last two labels, and a
 * host that is itself a suffix or a single label is reported as domain and suffix only.
 */
export function registeredDomain(host: string): DomainInfo | undefined {
  if (host === "") return undefined;
  const p = parse(host.toLowerCase(), {
    allowPrivateDomains: true,
    extractHostname: false,
    validateHostname: false,
  });
  let regLen: number;
  if (p.isIp === true) {
    const labels = host.split(".");
    if (labels.length < 2) return { topLevelDomain: host };
    regLen = labels.at(-2)!.length + 1 + labels.at(-1)!.length;
  } else if (p.domain === null) {
    return { topLevelDomain: host };
  } else {
    regLen = p.domain.length;
  }
  // Slice the host as written: Elasticsearch keeps the case of the input.
  const reg = host.slice(host.length - regLen);
  const sub = host.length > regLen + 1 ? host.slice(0, host.length - regLen - 1) : undefined;
  const top = reg.slice(reg.indexOf(".") + 1);
  return sub === undefined
    ? { registeredDomain: reg, topLevelDomain: top }
    : { registeredDomain: reg, topLevelDomain: top, subdomain: sub };
}
