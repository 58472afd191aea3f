// correlateAsync over files being read (libs/capture + libs/decode), flows streamed to onFlow,
// and names from an address book.
import { buildAddressBook, parseSnapshot } from '#cluster';
import { describe, expect, it } from 'vitest';
import {
  correlate,
  correlateAsync,
  type CorrelationResult,
  emptyPacket,
  fileSource,
  type Flow,
} from '../src/index.js';
import {
  FIXTURES,
  groundTruth,
  interfaceNames,
  loadCaptures,
  multiNode,
  readText,
} from './helpers/fixtures.js';

describe('correlateAsync', () => {
  it('streams the skewed multi-node captures from disk and hands flows over as they finish', async () => {
    const dir = `${FIXTURES}multi-node/multinode-vxlan/`;
    const files = [
      { id: 'client', file: 'client.pcap', role: 'client', node: 'k8s-compute-01', netns: 'client' },
      {
        id: 'node-01',
        file: 'node-k8s-compute-01.pcap',
        role: 'node',
        node: 'k8s-compute-01',
        netns: 'k8s-compute-01',
      },
      {
        id: 'node-02',
        file: 'node-k8s-compute-02-skewed.pcap',
        role: 'node',
        node: 'k8s-compute-02',
        netns: 'k8s-compute-02',
      },
      {
        id: 'pod2',
        file: 'backend-nginx-54c98b4f84-7xk2m-skewed.pcap',
        role: 'backend',
        node: 'k8s-compute-02',
        netns: 'pod2',
      },
    ] as const;
    const flows: Flow[] = [];
    const progress: number[] = [];
    const result = await correlateAsync(
      files.map(({ file, netns, ...point }) => {
        const interfaces = interfaceNames(`${dir}snapshot/netns-${netns}-ip.txt`);
        return { point: { ...point, interfaces }, packets: fileSource(`${dir}${file}`, { interfaces }) };
      }),
      { onFlow: (f) => flows.push(f), onProgress: (x) => progress.push(x) },
    );
    expect(result.flows).toEqual([]);
    expect(result.flowCount).toBe(flows.length);
    expect(progress.at(-1)).toBe(1);
    for (const c of groundTruth('multi-node/multinode-vxlan').connections) {
      const flow = flows.find((f) => f.client === c.client)!;
      expect(flow.backend, c.id).toBe(c.backend);
    }
    const skewed = result.clockOffsets.find((o) => o.capture === 'node-02')!;
    expect(Math.abs(Number(skewed.offsetNs) - 1.734e9)).toBeLessThan(1e6);
    const encap = flows.flatMap((f) => f.translations).find((t) => t.kind === 'ENCAP')!;
    expect(encap.interfaces).toEqual({ before: 'flannel.1', after: 'eth0' });
    expect(encap.outer).toEqual({ tunnel: 'vxlan', src: '192.168.56.11', dst: '192.168.56.12', vni: 1 });
  });
});

describe('address book', () => {
  it('names the service and the backend pod from the cluster snapshots (libs/cluster)', async () => {
    const dir = 'single-node/clusterip';
    const file = 'snapshot/kubectl-get-svc-pods-endpointslices-nodes.json';
    const addressBook = buildAddressBook([parseSnapshot(readText(dir, file), { name: file })]);
    const captures = await loadCaptures(dir, [
      { id: 'client', file: 'client.pcap', netns: 'client', role: 'client', node: 'k8s-compute-02' },
      { id: 'node', file: 'node.pcap', netns: 'node', role: 'node', node: 'k8s-compute-02' },
    ]);
    const result = correlate(captures, { addressBook });
    for (const c of groundTruth(dir).connections) {
      const flow = result.flows.find((f) => f.client === c.client)!;
      expect(flow.serviceName).toBe('network-test/nginx:http');
      expect(flow.backendPod).toBe(`network-test/${c.backend_pod}`);
    }
  });
});

describe('one capture alone', () => {
  it('still gives every connection as the client saw it, with no backend to guess', async () => {
    const dir = 'single-node/clusterip';
    const captures = await loadCaptures(dir, [
      { id: 'client', file: 'client.pcap', netns: 'client', role: 'client', node: 'k8s-compute-02' },
    ]);
    const result = correlate(captures);
    const truth = groundTruth(dir).connections;
    expect(result.flows).toHaveLength(truth.length);
    for (const c of truth) {
      const flow = result.flows.find((f) => f.client === c.client)!;
      expect(flow.service).toBe(c.service);
      expect(flow.backend).toBeNull();
      expect(flow.state).toBe('CLOSED');
      expect(flow.translations).toEqual([]);
      expect(flow.handshake.client.synToSynAckNs).toMatch(/^\d+$/);
    }
    expect(result.hops).toBe(0);
  });
});

describe('clock bootstrap', () => {
  const { dir, captures: all } = multiNode(true);
  // The client and both nodes: node 2's clock is 1.734 s ahead.
  const list = all.filter((c) => c.id === 'client.pcap' || c.role === 'node');
  /** The skewed node's capture opens with `junk` non-IP packets, as after a burst of ARP. */
  async function withJunk(junk: number) {
    const captures = await loadCaptures(dir, list);
    const skewed = captures[2];
    const real = skewed.packets;
    skewed.packets = function* () {
      for (let i = 0; i < junk; i++) yield { ...emptyPacket(), tsSec: 1_795_760_368, frame: i };
      yield* real();
    };
    return captures;
  }
  const skew = (r: CorrelationResult) =>
    Number(r.clockOffsets.find((o) => o.capture === 'node-02')!.offsetNs);

  it('reads a longer prefix when the first tenth does not line up every clock', async () => {
    // A tenth of 400 is 40 packets: only junk on the skewed node, so no handshake to bracket.
    const result = correlate(await withJunk(40), { bootstrapPackets: 400 });
    expect(Math.abs(skew(result) - 1.734e9)).toBeLessThan(1e6);
    for (const c of groundTruth(dir).connections)
      expect(result.flows.find((f) => f.client === c.client)?.backend, c.id).toBe(c.backend);
  });

  it('without enough prefix the skew of seconds is not recovered (what the retry is for)', async () => {
    const result = correlate(await withJunk(40), { bootstrapPackets: 40 });
    expect(Math.abs(skew(result) - 1.734e9)).toBeGreaterThan(1e6);
  });
});

describe('correlateAsync with a failing source', () => {
  it('rejects with the source error and closes the other sources', async () => {
    const closed: string[] = [];
    const packet = (t: number) => ({
      ...emptyPacket(),
      tsSec: 1_795_759_897,
      tsNsec: t,
      ipVersion: 4,
      protocol: 17,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      srcPort: 1000 + t,
      dstPort: 53,
    });
    // Each source yields chunks of one packet; `broken` fails on its third chunk of the main pass
    // (the bootstrap reads each source once first).
    let calls = 0;
    const source = (id: string, fails: boolean) =>
      async function* () {
        const pass = ++calls;
        try {
          for (let i = 0; i < 10; i++) {
            if (fails && pass > 2 && i === 2) throw new Error(`${id}: read error at offset 4096`);
            yield [packet(i * 1000 + (fails ? 1 : 0))];
          }
        } finally {
          closed.push(`${id}#${pass}`);
        }
      };
    await expect(
      correlateAsync([
        { point: { id: 'ok', role: 'client' }, packets: source('ok', false) },
        { point: { id: 'broken', role: 'node' }, packets: source('broken', true) },
      ]),
    ).rejects.toThrow('broken: read error at offset 4096');
    // Both main-pass readers ended: the failing one by its error, the other closed by the merge.
    expect(closed.filter((c) => Number(c.split('#')[1]) > 2).sort()).toEqual(['broken#4', 'ok#3']);
  });
});
