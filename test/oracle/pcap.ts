// A tiny reader for the classic pcap files tcpdump -w writes (Ethernet link type), down to the IP
// payload: enough to pull VRRP adverts off a capture. Tolerates a last record cut short (a capture
// read while tcpdump is still writing).
import { decodeIpv4Header } from '../../src/vrrp/ipv4-header.js';
import { addressFromBytes } from '../../src/vrrp/packet.js';
import type { IpAddress } from '../../src/lib/ip.js';

export interface PcapFrame {
  /** Capture time in seconds (fractional). */
  time: number;
  data: Uint8Array;
}

const LINKTYPE_ETHERNET = 1;

export function readPcap(file: Uint8Array): PcapFrame[] {
  if (file.length < 24) return [];
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, true);
  let little: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) [little, nano] = [true, magic === 0xa1b23c4d];
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) [little, nano] = [false, magic === 0x4d3cb2a1];
  else throw new Error(`not a pcap file (magic 0x${magic.toString(16)})`);
  const linkType = dv.getUint32(20, little) & 0x0fffffff;
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${linkType}, expected Ethernet (1)`);
  const frames: PcapFrame[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const sec = dv.getUint32(at, little);
    const frac = dv.getUint32(at + 4, little);
    const caplen = dv.getUint32(at + 8, little);
    if (at + 16 + caplen > file.length) break;
    frames.push({ time: sec + frac / (nano ? 1e9 : 1e6), data: file.slice(at + 16, at + 16 + caplen) });
    at += 16 + caplen;
  }
  return frames;
}

export interface IpPacket {
  time: number;
  srcMac: string;
  dstMac: string;
  family: 4 | 6;
  src: IpAddress;
  dst: IpAddress;
  /** TTL or hop limit. */
  ttl: number;
  /** IPv4 TOS or IPv6 traffic class. */
  tos: number;
  /** IPv4 protocol or IPv6 next header. */
  protocol: number;
  /** The IP header bytes (IPv4 header, or the 40-byte IPv6 header). */
  header: Uint8Array;
  payload: Uint8Array;
}

const mac = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** The IP packet of an Ethernet frame, or undefined for anything else (ARP, VLAN tags, cut frames). */
export function ipOfFrame(frame: PcapFrame): IpPacket | undefined {
  const d = frame.data;
  if (d.length < 14) return undefined;
  const etherType = (d[12] << 8) | d[13];
  const ip = d.subarray(14);
  const base = { time: frame.time, dstMac: mac(d.subarray(0, 6)), srcMac: mac(d.subarray(6, 12)) };
  if (etherType === 0x0800) {
    const h = decodeIpv4Header(ip);
    if (!h.ok || h.value.totalLength > ip.length) return undefined;
    const v = h.value;
    return {
      ...base, family: 4, src: v.src, dst: v.dst, ttl: v.ttl, tos: v.tos, protocol: v.protocol,
      header: ip.slice(0, v.headerLength), payload: ip.slice(v.headerLength, v.totalLength),
    };
  }
  if (etherType === 0x86dd) {
    if (ip.length < 40 || ip[0] >> 4 !== 6) return undefined;
    const payloadLength = (ip[4] << 8) | ip[5];
    if (40 + payloadLength > ip.length) return undefined;
    return {
      ...base, family: 6,
      src: addressFromBytes(ip.slice(8, 24), 6), dst: addressFromBytes(ip.slice(24, 40), 6),
      ttl: ip[7], tos: ((ip[0] & 0x0f) << 4) | (ip[1] >> 4), protocol: ip[6],
      header: ip.slice(0, 40), payload: ip.slice(40, 40 + payloadLength),
    };
  }
  return undefined;
}
