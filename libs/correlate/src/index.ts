/**
 * libs/correlate: pairs packets across capture points, infers each NAT translation, assembles
 * flows end to end and estimates the capture clocks' offsets. Pure TypeScript, streaming.
 *
 *   const result = await correlateAsync([
 *     { point: { id: 'client.pcap', role: 'client', node: 'k8s-compute-01' }, packets: fileSource('client.pcap') },
 *     { point: { id: 'node.pcap', role: 'node', node: 'k8s-compute-01', interfaces: { 4: 'veth9a1c3e07' } }, packets: fileSource('node.pcap') },
 *   ], { addressBook });
 *   JSON.stringify(result); // plain JSON: nanosecond quantities are decimal strings
 *
 * Input: per capture its capture point (id, role client|node|backend|other, label, node, pod,
 * optional clockDomain and ifindex -> interface names), optional packetCount (for onProgress)
 * and a re-iterable packet source: a function returning an Iterable<CorrelatePacket>
 * (correlate) or an AsyncIterable of chunks (correlateAsync; fileSource(path) reads and decodes
 * a file with libs/capture + libs/decode; DecodeAdapter turns a DecodedPacket into the view).
 * A later IP fragment (no transport header) joins the flow of its datagram's first fragment in
 * the same capture (same source, destination, protocol and IP ID). Each source is read twice: a
 * prefix (options.bootstrapPackets) for coarse clock offsets, then everything, merged across
 * captures in reference time. Memory holds one pairing window of
 * packets (options.pairingWindowNs, 1 s) plus the flows still live: a flow is finished a few
 * seconds after it closes (TCP FIN both ways or RST), 10 s after an answered UDP/ICMP exchange,
 * or after a minute of silence; it is then built and handed to options.onFlow (or kept for
 * result.flows when no onFlow is given). Packets arriving later start a new flow.
 *
 * How: each packet's fingerprint (what NAT keeps: IP ID, TCP seq/ack/flags/window/timestamp,
 * SCTP verification tag and chunk types, payload length and hash, the quoted header of ICMP
 * errors) finds the other sightings of the
 * same packet within the window - the closest in time among those not contradicting what is
 * already known (one point sees a packet once, one sender, one receiver, flows already joined);
 * a near tie between candidates of different flows is ambiguous and links nothing. Sightings in
 * path order give hops; a hop joins two perspectives (capture point + tuple) into one flow and
 * says what changed. Clock offsets: coarse from TCP handshakes seen by two hosts (bootstrap),
 * then every flow seen by two hosts brackets the offset between its request and reply.
 *
 * CorrelationResult:
 * - flows: Flow[] sorted by first packet (empty with onFlow), flowCount:
 *   - id (hash of protocol, client, service, first timestamp: stable across runs), protocol
 *   - client (as the client sent it), service (original destination), backend (who the request
 *     was DNATed to / who answered; null if unknown), clientSeenByBackend (source after SNAT),
 *     serviceName / backendPod (from options.addressBook, else null)
 *   - state ESTABLISHED | CLOSED | RESET | UNANSWERED | ICMP_ERROR | ANSWERED (SCTP as TCP:
 *     INIT/INIT ACK the handshake, ABORT a reset, SHUTDOWN/SHUTDOWN ACK the close), resetBy
 *     client | backend | node (generated on the path, e.g. a REJECT rule) | service, icmpError
 *   - firstNs, lastNs (reference clock)
 *   - translations[]: { kind DNAT | SNAT | DNAT_SNAT | ENCAP | DECAP | NONE, direction request |
 *     reply, before {src,dst}, after {src,dst}, outer (tunnel header for ENCAP/DECAP), capture
 *     and fromCapture (where the after/before sightings were made), interfaces {before, after},
 *     latencyNs (first packet) and minLatencyNs (with the clock offsets as known when the flow
 *     finished), packets }, request
 *     direction first, each in path order. NONE = the packet crossed capture points unchanged.
 *   - perspectives[]: per capture point and tuple as seen there, request direction first:
 *     { capture, direction, src, dst, packets (distinct), sightingCount (incl. every
 *     interface), bytes, firstNs, lastNs (that capture's clock), interfaces [{name, type
 *     In|Out|P|B|M, packets}], outer, retransmissions, duplicateAcks, syn, fin, rst,
 *     icmpErrors, unpaired, sightings [{timestampNs, frame, interface, type, tcpFlags}]: the
 *     first few (options.maxSightingsPerPerspective) as evidence and for pcapng export }
 *   - handshake: { [capture]: { synToSynAckNs, synAckToAckNs } }
 *   - request / reply { packets, bytes } (at the capture closest to the client),
 *     retransmissions, duplicateAcks, communityIds { client, backend }, ambiguousPairings
 * - clockOffsets[]: per capture { capture, clockDomain, offsetNs (its clock minus the reference
 *   domain's: the client's), spreadNs (half-width of the bracketing interval), pairs, reference }
 * - captures[]: per capture { packets, ignored (not IP), sightings, unpaired, and only when there
 *   are any: unsupportedLinkTypes { [linktype]: packets }, undecoded { [encapsulation]: packets }
 *   (GTP-U, ERSPAN, MPLS, PPP in GRE, GRE over UDP, VN-Tag: analysed only to the outer header) };
 *   unpaired as a map
 * - ambiguousPairings, conflicts (pairings contradicting a known flow, not linked), sightings, hops
 */
export { correlate, correlateAsync } from './correlate.js';
export { batchSource, DecodeAdapter, decodedSource, emptyPacket, fileSource } from './decode-adapter.js';
export { fingerprint } from './fingerprint.js';
export * from './types.js';
