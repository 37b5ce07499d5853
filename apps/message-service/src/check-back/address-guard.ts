import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/** Raised when a check-back would reach an address in CHECK_BACK_DENY_CIDRS. */
export class DeniedAddressError extends Error {
  readonly code = 'EADDRDENIED';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, which CHECK_BACK_DENY_CIDRS refuses`);
  }
}

/**
 * Refuses addresses in a list of CIDRs: the literal address of a URL, and every address a host
 * name resolves to, at each connection (so a DNS answer that changes between calls is checked
 * again).
 */
export class AddressGuard {
  private readonly denied = new BlockList();

  constructor(cidrs: string[]) {
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split('/');
      this.denied.addSubnet(address, Number(bits), isIP(address) === 6 ? 'ipv6' : 'ipv4');
    }
  }

  isDenied(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.denied.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** Throws when `host` is a literal address that is refused. */
  checkLiteral(host: string): void {
    const address = host.replace(/^\[|\]$/g, '');
    if (this.isDenied(address)) throw new DeniedAddressError(host, address);
  }

  /** A `lookup` for `http.request` that resolves like the system does and refuses denied addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const denied = addresses.find((a) => this.isDenied(a.address));
      if (denied) return callback(new DeniedAddressError(hostname, denied.address), '', 4);
      if (options.all) return callback(null, addresses, 4);
      const first = addresses[0];
      callback(null, first.address, first.family);
    });
  };
}
