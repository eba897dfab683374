// The `netlink` package's rtnetlink structures (links, addresses, routes, rules): only the VRRP side and
// ha_suspend need them (see netlink-package.ts).
export * as rt from 'netlink/dist/rt/structs.js';
