// Cross-object validation rules, one per file; each reports through the sink and never throws.
import type { KeepalivedConfig } from '../model/index.js';
import type { BuildContext } from '../schema/types.js';

export type Validator = (config: KeepalivedConfig, ctx: BuildContext) => void;

export const validators: Validator[] = [];

// LVS side.
import { lvsDuplicateRealServer } from './lvs-duplicate-real-server.js';
import { lvsCheckerPort } from './lvs-checker-port.js';
validators.push(lvsDuplicateRealServer, lvsCheckerPort);

// VRRP side and script security.
import { vrrpTrackRefs } from './vrrp-track-refs.js';
import { vrrpDuplicateVrid } from './vrrp-duplicate-vrid.js';
import { vrrpDuplicateVip } from './vrrp-duplicate-vip.js';
import { vrrpUnicastSelfPeer } from './vrrp-unicast-self-peer.js';
import { scriptSecurity } from './script-security.js';
validators.push(vrrpTrackRefs, vrrpDuplicateVrid, vrrpDuplicateVip, vrrpUnicastSelfPeer, scriptSecurity);
