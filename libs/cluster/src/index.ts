// libs/cluster: parse cluster snapshots (kubectl, kube-proxy ConfigMap, ipvsadm, iptables-save, nft,
// ip addr/route/neigh, conntrack) and build the address book and the expected dataplane model.
export { isSnapshotKind, parseSnapshot, SNAPSHOT_KINDS, type ParseSnapshotOptions } from './parse.js';
export { detectSnapshotKind, sniffSnapshotKind } from './detect.js';
export { SnapshotParseError, type SnapshotParseErrorDetails } from './errors.js';
export { buildAddressBook } from './address-book.js';
export { addressBookFromData } from './address-lookup.js';
export { buildDataplaneModel } from './dataplane.js';
export { canonicalIp, formatHostPort, parseHostPort } from './text.js';
export type * from './types.js';
export type * from './address-book-types.js';
export type * from './dataplane-types.js';
export { interfaceNames, type InterfaceNames } from './interface-names.js';
