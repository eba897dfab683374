// HTTP_GET: GET each url's path; every url must answer with an accepted status code (default
// 200-299), and the body must match `digest` / `regex` when given. Defaults: retry 1,
// delay_before_retry 3 s, HTTP/1.0.
import type { KeywordSpec, SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { httpLikeKeyword } from './http-common.js';

export function httpGetKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  return httpLikeKeyword(registry, 'HTTP_GET');
}
