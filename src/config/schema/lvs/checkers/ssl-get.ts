// SSL_GET: HTTP_GET over TLS, with the context from the top-level SSL block (or generated), and
// optional SNI (`enable_sni`; the name is the url, checker or virtual server virtualhost).
import type { KeywordSpec, SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { httpLikeKeyword } from './http-common.js';

export function sslGetKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  return httpLikeKeyword(registry, 'SSL_GET');
}
