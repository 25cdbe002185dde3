/**
 * Which names browser mode answers to, in the Host header and in a browser's Origin: its defence
 * against DNS rebinding (a foreign page whose name was pointed at this machine). The local names
 * always; the bound address when it is one address (not a wildcard such as 0.0.0.0, which no browser
 * sends); and the names given with `--allow-host`, which is how Kiln is opened from another machine.
 * A name only gets a request as far as the token check: every API call and upload still needs it.
 */
import { isIP } from 'node:net';

const LOCAL_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Addresses that bind every interface: they name no host a browser could send. */
export function isWildcard(host: string): boolean {
  return ['', '0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0'].includes(host);
}

/** Binding these keeps Kiln on this machine; any other address exposes it to a network. */
export function isLoopback(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
}

/** An address as it appears in a URL or Host header: IPv6 in brackets. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The `--allow-host` values (each may hold several names, comma-separated): host names or IP
 * addresses, without a port or scheme, lower-cased. Throws with the offending value in plain words.
 */
export function parseAllowHosts(values: readonly string[]): string[] {
  const names: string[] = [];
  for (const value of values) {
    for (const raw of value.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === '') continue;
      const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
      if (isIP(bare) === 6) names.push(`[${bare}]`);
      else if (isIP(bare) === 4 || isHostName(bare)) names.push(bare);
      else
        throw new Error(
          `--allow-host takes host names or IP addresses (like gpu-box.lan or 10.0.0.5), without a port or scheme; "${raw.trim()}" is not one`,
        );
    }
  }
  return [...new Set(names)];
}

/** A DNS name: dot-separated labels of letters, digits and inner hyphens (no wildcards). */
function isHostName(name: string): boolean {
  if (name.length > 253) return false;
  return name.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

/**
 * Every `Host` value (and Origin host) the server accepts: `name:port` for each allowed name, and
 * the bare name too on port 80, where browsers leave the port out.
 */
export function allowedHostSet(bound: string, port: number, allowHosts: readonly string[]): Set<string> {
  const names = [...LOCAL_NAMES, ...allowHosts];
  if (!isWildcard(bound)) names.push(hostForUrl(bound).toLowerCase());
  const out = new Set<string>();
  for (const name of names) {
    out.add(`${name}:${port}`);
    if (port === 80) out.add(name);
  }
  return out;
}
