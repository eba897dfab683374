// Cross-object validation rules, one per file; each reports through the sink and never throws.
import type { KeepalivedConfig } from '../model/index.js';
import type { BuildContext } from '../schema/types.js';
import { lvsDuplicateRealServer } from './lvs-duplicate-real-server.js';
import { lvsCheckerPort } from './lvs-checker-port.js';
import { vrrpTrackRefs } from './vrrp-track-refs.js';
import { vrrpDuplicateVrid } from './vrrp-duplicate-vrid.js';
import { vrrpDuplicateVip } from './vrrp-duplicate-vip.js';
import { vrrpUnicastSelfPeer } from './vrrp-unicast-self-peer.js';
import { scriptSecurity } from './script-security.js';
import { strictBlackholesVip } from './strict-blackholes-vip.js';

export type Validator = (config: KeepalivedConfig, ctx: BuildContext) => void;

export const validators: readonly Validator[] = [
  // LVS side
  lvsDuplicateRealServer,
  lvsCheckerPort,
  // VRRP side
  vrrpTrackRefs,
  vrrpDuplicateVrid,
  vrrpDuplicateVip,
  vrrpUnicastSelfPeer,
  // both
  strictBlackholesVip,
  scriptSecurity,
];
