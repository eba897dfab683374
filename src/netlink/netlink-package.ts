// The npm `netlink` package, loaded by part. Its index also loads the nl80211, WireGuard and rtnetlink
// tables (~0.5 MB of JavaScript), which cost the checker a second of start-up inside UML; the IPVS client
// needs only the socket, the attribute helpers and the generic netlink controller. rtnetlink: netlink-rt.ts.
export { RawNetlinkSocket } from 'netlink/dist/raw.js';
export { Protocol } from 'netlink/dist/constants.js';
export { AttrStream, getU32, parseAttributes, putString, putU32, putU8 } from 'netlink/dist/structs.js';
export * as genl from 'netlink/dist/genl/structs.js';
