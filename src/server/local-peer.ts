/**
 * Which peers count as local: Redis 7's islocalClient compares the peer's IP with exactly
 * "127.0.0.1" and "::1" (Sabre has no unix socket). A dual-stack listener reports IPv4 peers as
 * "::ffff:a.b.c.d"; formatAddress strips that prefix, and so does this check.
 */
export function isLoopbackHost(host: string): boolean {
  const plain = host.startsWith('::ffff:') ? host.slice(7) : host;
  return plain === '127.0.0.1' || plain === '::1';
}

/** The host part of an "ip:port" address as ClientState keeps it (IPv6 hosts contain colons too). */
export function hostOfAddress(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

/** Redis 7's enable-protected-configs / enable-debug-command decision for one client. */
export function allowsProtectedAction(policy: 'no' | 'yes' | 'local', remoteAddress: string): boolean {
  return policy === 'yes' || (policy === 'local' && isLoopbackHost(hostOfAddress(remoteAddress)));
}
