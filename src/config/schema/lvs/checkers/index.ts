// The checker keywords of a real_server block, one file per checker kind.
import type { KeywordTable, SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { tcpCheckKeyword } from './tcp-check.js';
import { httpGetKeyword } from './http-get.js';
import { sslGetKeyword } from './ssl-get.js';
import { smtpCheckKeyword } from './smtp-check.js';
import { dnsCheckKeyword } from './dns-check.js';
import { miscCheckKeyword } from './misc-check.js';
import { udpCheckKeyword } from './udp-check.js';
import { pingCheckKeyword } from './ping-check.js';
import { fileCheckKeyword } from './file-check.js';
import { bfdCheckKeyword } from './bfd-check.js';

export function checkerKeywords(registry: SchemaRegistry): KeywordTable<RsDraft> {
  return {
    TCP_CHECK: tcpCheckKeyword(registry),
    HTTP_GET: httpGetKeyword(registry),
    SSL_GET: sslGetKeyword(registry),
    SMTP_CHECK: smtpCheckKeyword(registry),
    DNS_CHECK: dnsCheckKeyword(registry),
    MISC_CHECK: miscCheckKeyword(registry),
    UDP_CHECK: udpCheckKeyword(registry),
    PING_CHECK: pingCheckKeyword(registry),
    FILE_CHECK: fileCheckKeyword(registry),
    BFD_CHECK: bfdCheckKeyword(registry),
  };
}
