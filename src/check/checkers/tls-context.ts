// The client side of SSL_GET, from the top-level `SSL { password; ca; certificate; key }` block
// (keepalived check_ssl.c build_ssl_ctx). keepalived loads the certificate chain and key as the
// client's own credentials (sent if the server asks for one) and loads the CA file, but never calls
// SSL_CTX_set_verify: the server's certificate is never verified, with or without `ca`. Without the
// block it uses a bare context. Load once at start-up / reload; a file that cannot be loaded stops
// keepalived ("Error Initialize SSL, ctx Instance"), so callers should refuse the configuration.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { SslContext } from '../../config/model/lvs.js';

/** What the probes put into each TLS handshake. */
export interface TlsClientMaterial {
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

export type LoadSslResult = { ok: true; material: TlsClientMaterial } | { ok: false; error: string };

export function loadSslMaterial(ssl: SslContext | undefined): LoadSslResult {
  const material: TlsClientMaterial = {};
  if (!ssl) return { ok: true, material };
  if (ssl.password !== undefined) material.passphrase = ssl.password;
  try {
    if (ssl.certificate !== undefined) {
      material.cert = readFileSync(ssl.certificate);
      tls.createSecureContext({ cert: material.cert });
    }
  } catch {
    return { ok: false, error: 'SSL error : Cant load certificate file...' };
  }
  try {
    if (ssl.key !== undefined) {
      material.key = readFileSync(ssl.key);
      tls.createSecureContext({ ...material });
    }
  } catch {
    return { ok: false, error: 'SSL error : Cant load key file...' };
  }
  try {
    // loaded (and checked) like keepalived does, then unused: keepalived never verifies the peer
    if (ssl.ca !== undefined) tls.createSecureContext({ ca: readFileSync(ssl.ca) });
  } catch {
    return { ok: false, error: 'SSL error : Cant load CA file...' };
  }
  return { ok: true, material };
}
