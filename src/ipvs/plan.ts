// Desired vs observed → the smallest ordered list of IPVS operations. Pure.
// Services are created before their destinations and destinations deleted before their service;
// a changed service or destination is edited in place (SET), never deleted and re-added; nothing
// outside the daemon's ownership is touched, and nothing is ever flushed.
import { IP_VS_SVC_F_USER_MASK, type IpvsDest, type IpvsDestKey, type IpvsService, type IpvsServiceKey } from './types.js';
import type { IpvsTable, Ownership } from './table.js';

export type IpvsOp =
  | { readonly op: 'add-service'; readonly service: IpvsService }
  | { readonly op: 'edit-service'; readonly service: IpvsService; readonly from: IpvsService }
  | { readonly op: 'del-service'; readonly service: IpvsServiceKey }
  | { readonly op: 'add-dest'; readonly service: IpvsServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'edit-dest'; readonly service: IpvsServiceKey; readonly dest: IpvsDest; readonly from: IpvsDest }
  | { readonly op: 'del-dest'; readonly service: IpvsServiceKey; readonly dest: IpvsDestKey };

export function serviceDiffers(want: IpvsService, have: IpvsService): boolean {
  return (
    want.schedName !== have.schedName ||
    (want.flags & IP_VS_SVC_F_USER_MASK) !== (have.flags & IP_VS_SVC_F_USER_MASK) ||
    want.timeout !== have.timeout ||
    want.netmask !== have.netmask ||
    (want.peName ?? '') !== (have.peName ?? '')
  );
}

export function destDiffers(want: IpvsDest, have: IpvsDest): boolean {
  return (
    want.fwdMethod !== have.fwdMethod ||
    want.weight !== have.weight ||
    want.uThreshold !== have.uThreshold ||
    want.lThreshold !== have.lThreshold ||
    (want.tunType ?? 0) !== (have.tunType ?? 0) ||
    (want.tunPort ?? 0) !== (have.tunPort ?? 0) ||
    (want.tunFlags ?? 0) !== (have.tunFlags ?? 0)
  );
}

export function planIpvs(desired: IpvsTable, observed: IpvsTable, owned: Ownership): IpvsOp[] {
  const serviceOps: IpvsOp[] = [];
  const destAdds: IpvsOp[] = [];
  const destDels: IpvsOp[] = [];
  const serviceDels: IpvsOp[] = [];

  for (const [sid, want] of desired) {
    const have = observed.get(sid);
    if (!have) serviceOps.push({ op: 'add-service', service: want.service });
    else if (serviceDiffers(want.service, have.service)) serviceOps.push({ op: 'edit-service', service: want.service, from: have.service });
    for (const [did, d] of want.dests) {
      const h = have?.dests.get(did);
      if (!h) destAdds.push({ op: 'add-dest', service: want.service, dest: d });
      else if (destDiffers(d, h)) destAdds.push({ op: 'edit-dest', service: want.service, dest: d, from: h });
    }
  }
  for (const [sid, have] of observed) {
    if (!owned.services.has(sid)) continue; // an operator's own service: not ours to touch
    const want = desired.get(sid);
    const ownedDests = owned.dests.get(sid);
    if (!want) {
      for (const [did, d] of have.dests) if (ownedDests?.has(did)) destDels.push({ op: 'del-dest', service: have.service, dest: d });
      serviceDels.push({ op: 'del-service', service: have.service });
      continue;
    }
    for (const [did, d] of have.dests) {
      if (!want.dests.has(did) && ownedDests?.has(did)) destDels.push({ op: 'del-dest', service: have.service, dest: d });
    }
  }
  return [...serviceOps, ...destAdds, ...destDels, ...serviceDels];
}
