// Raw IP and packet sockets: the adapter behind VRRP's network ports.
export { IPPROTO_AH, IPPROTO_VRRP, PacketSocket, RawSocket, VRRP_CHECKSUM_OFFSET } from './raw-socket.js';
export type { RawPacket, RawSocketOptions, SendOptions } from './raw-socket.js';
export { sendUnixDatagram, unixAddress } from './unix-datagram.js';
