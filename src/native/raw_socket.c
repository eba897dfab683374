// Raw IP sockets (VRRP: protocol 112, or 51 for AH) with the ancillary data VRRP needs, and AF_PACKET
// sockets that send whole Ethernet frames (gratuitous ARP, unsolicited NA). Plain N-API in C, no
// dependency; readiness comes from a libuv poll handle so the Node event loop never blocks.
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif

// Packets read per readiness callback: enough to drain a burst, small enough not to starve timers.
#define READ_BURST 64

typedef struct {
  napi_env env;
  int fd;
  int family;           // AF_INET, AF_INET6 or AF_PACKET
  int uv_open;          // poll handle initialised and not yet closed by libuv
  int uv_closing;       // uv_close called: the handle must not be touched again
  int finalized;        // the JS object is gone: free when libuv lets go
  uv_poll_t poll;
  napi_ref self;        // strong while polling, so an open socket is not collected
  napi_ref on_packet;
  napi_async_context ctx;
} sock_t;

// One receive buffer for every socket: all callbacks run on the loop thread, and each packet is
// copied into its own Buffer before the next read.
static unsigned char rx_buf[65536];

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "ENAPI", "N-API call failed: " #call);     \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

// A JS Error shaped like Node's system errors: code 'EPERM', errno -1, syscall 'setsockopt'.
static napi_value errno_error(napi_env env, const char *syscall, int err) {
  char text[200];
  const char *code = uv_err_name(-err);
  snprintf(text, sizeof text, "%s %s: %s", syscall, code, strerror(err));
  napi_value js_code, js_msg, e, js_errno, js_syscall;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &js_msg);
  napi_create_error(env, js_code, js_msg, &e);
  napi_create_int32(env, -err, &js_errno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall);
  napi_set_named_property(env, e, "errno", js_errno);
  napi_set_named_property(env, e, "syscall", js_syscall);
  return e;
}

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  napi_throw(env, errno_error(env, syscall, err));
  return NULL;
}

static int set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

// Reads a string argument into buf: 1 if read, 0 if absent (not a string), -1 if too long, which callers
// refuse rather than truncate (a cut device name could name another device).
static int get_str(napi_env env, napi_value v, char *buf, size_t len) {
  napi_valuetype t;
  size_t n;
  napi_typeof(env, v, &t);
  if (t != napi_string) return 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok || n >= len) return -1;
  napi_get_value_string_utf8(env, v, buf, len, &n);
  return 1;
}

static int get_int(napi_env env, napi_value v, int fallback) {
  int32_t x;
  return napi_get_value_int32(env, v, &x) == napi_ok ? x : fallback;
}

static sock_t *get_sock(napi_env env, napi_value obj) {
  sock_t *s = NULL;
  if (napi_unwrap(env, obj, (void **)&s) != napi_ok || s == NULL) return NULL;
  return s;
}

static void on_uv_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  s->uv_open = 0;
  if (s->finalized) free(s);
}

// Stops polling and closes the descriptor; JS references are dropped only when called from JS.
static void shut(sock_t *s, int from_js) {
  if (s->uv_open && !s->uv_closing) {
    s->uv_closing = 1;
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_uv_closed);
  }
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  if (from_js) {
    if (s->on_packet) napi_delete_reference(s->env, s->on_packet);
    if (s->self) napi_delete_reference(s->env, s->self);
    if (s->ctx) napi_async_destroy(s->env, s->ctx);
    s->on_packet = s->self = NULL;
    s->ctx = NULL;
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  sock_t *s = data;
  s->finalized = 1;
  shut(s, 0);
  if (!s->uv_open) free(s);
}

// Calls onPacket(err, packet, headerLength, src, dst, ifindex, ttl, tos) inside the socket's async context.
static int deliver(sock_t *s, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, self, result;
  if (!s->on_packet || napi_get_reference_value(env, s->on_packet, &fn) != napi_ok) return -1;
  napi_get_reference_value(env, s->self, &self);
  if (napi_make_callback(env, s->ctx, self, fn, argc, argv, &result) != napi_ok) {
    napi_value e;
    // An exception in the JS handler is the program's, not ours: report it as uncaught.
    if (napi_get_and_clear_last_exception(env, &e) == napi_ok) napi_fatal_exception(env, e);
    return -1;
  }
  return 0;
}

static int read_one(sock_t *s) {
  napi_env env = s->env;
  struct sockaddr_storage from;
  char cbuf[256] __attribute__((aligned(__alignof__(struct cmsghdr))));
  struct iovec iov = {rx_buf, sizeof rx_buf};
  struct msghdr msg = {&from, sizeof from, &iov, 1, cbuf, sizeof cbuf, 0};
  ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    napi_value e = errno_error(env, "recvmsg", errno);
    deliver(s, 1, &e);
    return -1;
  }
  char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
  int ifindex = 0, ttl = -1, tos = -1, hl = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = pi.ipi_ifindex;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = (int)pi.ipi6_ifindex;
      inet_ntop(AF_INET6, &pi.ipi6_addr, dst, sizeof dst);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
      memcpy(&tos, CMSG_DATA(c), sizeof tos);
    }
  }
  if (s->family == AF_INET) {
    // IPv4 raw sockets hand over the IP header as it came off the wire: TTL, TOS and the
    // addresses are read from it, so they are exactly what the sender put there.
    if (n < 20 || (rx_buf[0] >> 4) != 4) return 1;
    hl = (rx_buf[0] & 0x0f) * 4;
    if (hl < 20 || hl > n) return 1;
    tos = rx_buf[1];
    ttl = rx_buf[8];
    inet_ntop(AF_INET, rx_buf + 12, src, sizeof src);
    inet_ntop(AF_INET, rx_buf + 16, dst, sizeof dst);
  } else {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, src, sizeof src);
  }
  napi_value argv[8];
  void *data;
  napi_get_null(env, &argv[0]);
  napi_create_buffer_copy(env, (size_t)n, rx_buf, &data, &argv[1]);
  napi_create_int32(env, hl, &argv[2]);
  napi_create_string_latin1(env, src, NAPI_AUTO_LENGTH, &argv[3]);
  napi_create_string_latin1(env, dst, NAPI_AUTO_LENGTH, &argv[4]);
  napi_create_int32(env, ifindex, &argv[5]);
  napi_create_int32(env, ttl, &argv[6]);
  napi_create_int32(env, tos, &argv[7]);
  return deliver(s, 8, argv) == 0 ? 1 : -1;
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  sock_t *s = h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  if (status < 0) {
    napi_value e = errno_error(s->env, "poll", -status);
    deliver(s, 1, &e);
  } else {
    // The handler may close the socket: fd is re-checked before every read.
    for (int i = 0; i < READ_BURST && s->fd >= 0; i++) {
      if (read_one(s) <= 0) break;
    }
  }
  napi_close_handle_scope(s->env, scope);
}

// Runs socket() inside the network namespace at `netns` (a path such as /run/netns/NAME), then
// returns this thread to its own namespace; the socket keeps the namespace it was made in.
static int socket_in(const char *netns, int family, int type, int proto) {
  if (!netns) return socket(family, type, proto);
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -1;
  int there = open(netns, O_RDONLY | O_CLOEXEC);
  if (there < 0 || setns(there, CLONE_NEWNET) < 0) {
    int err = errno;
    if (there >= 0) close(there);
    close(home);
    errno = err;
    return -1;
  }
  int fd = socket(family, type, proto);
  int err = errno;
  if (setns(home, CLONE_NEWNET) < 0) napi_fatal_error("raw_socket", NAPI_AUTO_LENGTH, "cannot return to own netns", NAPI_AUTO_LENGTH);
  close(there);
  close(home);
  errno = err;
  return fd;
}

static napi_value wrap(napi_env env, sock_t *s) {
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  if (napi_wrap(env, obj, s, finalize, NULL, NULL) != napi_ok) {
    close(s->fd);
    free(s);
    napi_throw_error(env, "ENAPI", "napi_wrap failed");
    return NULL;
  }
  return obj;
}

// openRaw(family 4|6, protocol, device|null, ttl, checksumOffset, netns|null, onPacket)
static napi_value open_raw(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  char device[IFNAMSIZ] = "", netns[256] = "";
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int family = get_int(env, argv[0], 4) == 6 ? AF_INET6 : AF_INET;
  int proto = get_int(env, argv[1], 112);
  int has_dev = get_str(env, argv[2], device, sizeof device);
  int ttl = get_int(env, argv[3], 255);
  int csum = get_int(env, argv[4], -1);
  int has_ns = get_str(env, argv[5], netns, sizeof netns);
  if (has_dev < 0 || has_ns < 0) return throw_errno(env, has_dev < 0 ? "SO_BINDTODEVICE" : "setns", ENAMETOOLONG);

  int fd = socket_in(has_ns ? netns : NULL, family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throw_errno(env, "socket", errno);
  const char *what = NULL;
  // Only groups joined on this socket are delivered, not every group the host has joined.
  if (family == AF_INET) {
    if (set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0)) what = "setsockopt IP_MULTICAST_ALL";
    else if (set_int(fd, IPPROTO_IP, IP_PKTINFO, 1)) what = "setsockopt IP_PKTINFO";
    else if (set_int(fd, IPPROTO_IP, IP_TOS, 0xc0)) what = "setsockopt IP_TOS";
    else if (set_int(fd, IPPROTO_IP, IP_TTL, ttl)) what = "setsockopt IP_TTL";
    else if (set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl)) what = "setsockopt IP_MULTICAST_TTL";
    else if (set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)) what = "setsockopt IP_MULTICAST_LOOP";
    // keepalived writes frag_off 0 in its own header: no DF bit on the wire, so none here either.
    else if (set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)) what = "setsockopt IP_MTU_DISCOVER";
  } else {
    if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0)) what = "setsockopt IPV6_MULTICAST_ALL";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) what = "setsockopt IPV6_RECVPKTINFO";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) what = "setsockopt IPV6_RECVHOPLIMIT";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1)) what = "setsockopt IPV6_RECVTCLASS";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0)) what = "setsockopt IPV6_TCLASS";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)) what = "setsockopt IPV6_UNICAST_HOPS";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl)) what = "setsockopt IPV6_MULTICAST_HOPS";
    else if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) what = "setsockopt IPV6_MULTICAST_LOOP";
    // The kernel fills in (and on receive verifies) the checksum at this offset, pseudo-header included.
    else if (csum >= 0 && set_int(fd, IPPROTO_IPV6, IPV6_CHECKSUM, csum)) what = "setsockopt IPV6_CHECKSUM";
  }
  if (!what && has_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, strlen(device) + 1))
    what = "setsockopt SO_BINDTODEVICE";
  if (what) {
    int err = errno;
    close(fd);
    return throw_errno(env, what, err);
  }

  sock_t *s = calloc(1, sizeof *s);
  s->env = env;
  s->fd = fd;
  s->family = family;
  napi_value obj = wrap(env, s), name;
  if (!obj) return NULL;
  CHECK(napi_create_reference(env, obj, 1, &s->self));
  CHECK(napi_create_reference(env, argv[6], 1, &s->on_packet));
  CHECK(napi_create_string_utf8(env, "RawSocket", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, obj, name, &s->ctx));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int r = uv_poll_init(loop, &s->poll, fd);
  if (r == 0) {
    s->uv_open = 1;
    s->poll.data = s;
    r = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  }
  if (r < 0) {
    shut(s, 1);
    return throw_errno(env, "uv_poll_start", -r);
  }
  return obj;
}

// openPacket(netns|null): an AF_PACKET socket that only sends (protocol 0 receives nothing).
static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char netns[256] = "";
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int has_ns = argc > 0 ? get_str(env, argv[0], netns, sizeof netns) : 0;
  if (has_ns < 0) return throw_errno(env, "setns", ENAMETOOLONG);
  int fd = socket_in(has_ns ? netns : NULL, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  sock_t *s = calloc(1, sizeof *s);
  s->env = env;
  s->fd = fd;
  s->family = AF_PACKET;
  return wrap(env, s);
}

static int parse_addr(int family, const char *text, void *out) {
  return inet_pton(family, text, out) == 1;
}

// send(sock, data, dst, src|null, ifindex) for raw sockets; send(sock, frame, ifindex) for packet sockets.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], out;
  char dst[INET6_ADDRSTRLEN] = "", src[INET6_ADDRSTRLEN] = "";
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = get_sock(env, argv[0]);
  if (!s || s->fd < 0) return throw_errno(env, "send", EBADF);
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "data must be a Buffer");
    return NULL;
  }
  ssize_t n;
  if (s->family == AF_PACKET) {
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_ifindex = get_int(env, argv[2], 0), .sll_halen = 6};
    if (len < 14) return throw_errno(env, "sendto", EINVAL);
    memcpy(ll.sll_addr, data, 6);
    memcpy(&ll.sll_protocol, (char *)data + 12, 2);
    n = sendto(s->fd, data, len, 0, (struct sockaddr *)&ll, sizeof ll);
    if (n < 0) return throw_errno(env, "sendto", errno);
    CHECK(napi_create_int32(env, (int32_t)n, &out));
    return out;
  }
  int has_dst = get_str(env, argv[2], dst, sizeof dst);
  int has_src = get_str(env, argv[3], src, sizeof src);
  if (has_dst <= 0 || has_src < 0) return throw_errno(env, "sendmsg", EINVAL);
  int ifindex = get_int(env, argv[4], 0);
  struct sockaddr_storage to;
  char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] __attribute__((aligned(__alignof__(struct cmsghdr))));
  struct iovec iov = {data, len};
  struct msghdr msg = {&to, 0, &iov, 1, NULL, 0, 0};
  memset(&to, 0, sizeof to);
  memset(cbuf, 0, sizeof cbuf);
  if (s->family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&to;
    struct in_pktinfo pi = {.ipi_ifindex = ifindex};
    sin->sin_family = AF_INET;
    msg.msg_namelen = sizeof *sin;
    if (!parse_addr(AF_INET, dst, &sin->sin_addr) || (has_src && !parse_addr(AF_INET, src, &pi.ipi_spec_dst)))
      return throw_errno(env, "sendmsg", EINVAL);
    // The kernel builds the IPv4 header; IP_PKTINFO picks its source address and the output interface.
    if (has_src || ifindex) {
      msg.msg_control = cbuf;
      msg.msg_controllen = CMSG_SPACE(sizeof pi);
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
    struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)ifindex};
    sin6->sin6_family = AF_INET6;
    sin6->sin6_scope_id = (uint32_t)ifindex;
    msg.msg_namelen = sizeof *sin6;
    if (!parse_addr(AF_INET6, dst, &sin6->sin6_addr) || (has_src && !parse_addr(AF_INET6, src, &pi.ipi6_addr)))
      return throw_errno(env, "sendmsg", EINVAL);
    if (has_src || ifindex) {
      msg.msg_control = cbuf;
      msg.msg_controllen = CMSG_SPACE(sizeof pi);
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  }
  n = sendmsg(s->fd, &msg, 0);
  if (n < 0) return throw_errno(env, "sendmsg", errno);
  CHECK(napi_create_int32(env, (int32_t)n, &out));
  return out;
}

// membership(sock, join: boolean, group, ifindex): IP_ADD/DROP_MEMBERSHIP or IPV6_ADD/DROP_MEMBERSHIP.
static napi_value js_membership(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char group[INET6_ADDRSTRLEN] = "";
  bool join = true;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = get_sock(env, argv[0]);
  if (!s || s->fd < 0 || s->family == AF_PACKET) return throw_errno(env, "setsockopt", EBADF);
  napi_get_value_bool(env, argv[1], &join);
  get_str(env, argv[2], group, sizeof group);
  int ifindex = get_int(env, argv[3], 0), r;
  if (s->family == AF_INET) {
    struct ip_mreqn m = {.imr_ifindex = ifindex};
    if (!parse_addr(AF_INET, group, &m.imr_multiaddr)) return throw_errno(env, "setsockopt", EINVAL);
    r = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m);
  } else {
    struct ipv6_mreq m = {.ipv6mr_interface = (unsigned)ifindex};
    if (!parse_addr(AF_INET6, group, &m.ipv6mr_multiaddr)) return throw_errno(env, "setsockopt", EINVAL);
    r = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &m, sizeof m);
  }
  if (r < 0) return throw_errno(env, join ? "setsockopt ADD_MEMBERSHIP" : "setsockopt DROP_MEMBERSHIP", errno);
  return NULL;
}

// setTtl(sock, ttl): unicast and multicast TTL (hop limit) of what this socket sends.
static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = get_sock(env, argv[0]);
  if (!s || s->fd < 0 || s->family == AF_PACKET) return throw_errno(env, "setsockopt", EBADF);
  int ttl = get_int(env, argv[1], 255);
  int v6 = s->family == AF_INET6;
  if (set_int(s->fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, ttl) ||
      set_int(s->fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, ttl))
    return throw_errno(env, "setsockopt TTL", errno);
  return NULL;
}

// bind(sock, address): a socket bound to the VRRP group receives no unicast adverts, and vice versa.
static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char addr[INET6_ADDRSTRLEN] = "";
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = get_sock(env, argv[0]);
  if (!s || s->fd < 0 || s->family == AF_PACKET) return throw_errno(env, "bind", EBADF);
  get_str(env, argv[1], addr, sizeof addr);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (s->family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    len = sizeof *sin;
    if (!parse_addr(AF_INET, addr, &sin->sin_addr)) return throw_errno(env, "bind", EINVAL);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_scope_id = (uint32_t)get_int(env, argv[2], 0);
    len = sizeof *sin6;
    if (!parse_addr(AF_INET6, addr, &sin6->sin6_addr)) return throw_errno(env, "bind", EINVAL);
  }
  if (bind(s->fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = get_sock(env, argv[0]);
  if (s) shut(s, 1);
  return NULL;
}

// sendUnixDatagram(address: Buffer, data: Buffer): one datagram to an AF_UNIX SOCK_DGRAM socket, which Node
// cannot send. Used for systemd's notify socket (sd_notify protocol). `address` is the exact sun_path bytes:
// a path, or a NUL then the name for an abstract socket (whose length, not a terminator, delimits it).
// Never blocks the loop (MSG_DONTWAIT): a full receiver gives EAGAIN, which the caller reports.
static napi_value js_send_unix_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 2, alen = 0, dlen = 0;
  napi_value argv[2];
  void *addr = NULL, *data = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &addr, &alen) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &dlen) != napi_ok)
    return throw_errno(env, "sendto", EINVAL);
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  if (alen == 0 || alen > sizeof sun.sun_path) return throw_errno(env, "sendto", ENAMETOOLONG);
  memcpy(sun.sun_path, addr, alen);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  ssize_t n = sendto(fd, data, dlen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sun,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + alen));
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, "sendto", err);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"openRaw", NULL, open_raw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"membership", NULL, js_membership, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendUnixDatagram", NULL, js_send_unix_datagram, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
