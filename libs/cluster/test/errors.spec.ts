import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isSnapshotKind,
  parseSnapshot,
  SNAPSHOT_KINDS,
  SnapshotParseError,
  type SnapshotKind,
} from '../src/index.js';
import { localText, sharedText } from './helpers.js';

function failure(text: string, kind?: SnapshotKind, name = 'bad.txt'): SnapshotParseError {
  try {
    parseSnapshot(text, { name, kind });
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotParseError);
    return err as SnapshotParseError;
  }
  throw new Error('expected a SnapshotParseError');
}

describe('malformed JSON and YAML name the line and the path', () => {
  const list = sharedText('single-node/diagnostics/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json');

  it('truncated kubectl JSON', () => {
    const cut = list.slice(0, list.indexOf('"nginx-hung"') + 30);
    const err = failure(cut, undefined, 'svc.json');
    expect(err.file).toBe('svc.json');
    expect(err.line).toBe(cut.split('\n').length);
    // The text stops right after nginx-hung's labels object, inside its metadata.
    expect(err.path).toBe('items[4].metadata.labels');
    expect(err.message).toMatch(/^svc\.json:\d+:\d+ \(at items\[4\]\.metadata\.labels\): invalid JSON/);
  });

  it('a field of the wrong type in kubectl JSON', () => {
    const bad = list.replace('"port": 53,', '"port": "fifty-three",');
    const err = failure(bad);
    expect(err.path).toBe('items[6].spec.ports[0].port');
    expect(bad.split('\n')[err.line - 1]).toContain('"fifty-three"');
    expect(err.reason).toMatch(/expected a port number/);
  });

  it('an IP that is not one', () => {
    const bad = list.replace('"ip": "10.233.67.86"', '"ip": "10.233.67.886"');
    const err = failure(bad);
    expect(err.path).toBe('items[10].status.podIPs[0].ip');
    expect(bad.split('\n')[err.line - 1]).toContain('10.233.67.886');
  });

  it('YAML syntax error', () => {
    const yaml = localText('nft-cluster/kubectl-get-all.yaml').replace(
      '  clusterIP: 10.96.0.10',
      '  clusterIP: [10.96.0.10',
    );
    const err = failure(yaml, 'kubectl');
    expect(err.reason).toMatch(/invalid YAML/);
    expect(err.line).toBeGreaterThanOrEqual(yaml.split('\n').findIndex((l) => l.includes('[10.96.0.10')) + 1);
  });

  it('YAML with a wrong shape names the document path and line', () => {
    const yaml = localText('ipvs-cluster/kubectl-get-all.yaml').replace(
      '      nodePort: 30080',
      '      nodePort: lots',
    );
    const err = failure(yaml);
    expect(err.path).toBe('items[4].spec.ports[0].nodePort');
    expect(yaml.split('\n')[err.line - 1]).toContain('nodePort: lots');
  });

  it('finds the line behind escaped keys, nested arrays and strings holding brackets', () => {
    const text = [
      '{"kind": "List", "items": [',
      ' {"kind": "Service", "metadata": {"name": "a", "annotations": {"x\\"y/z": "[{,}]", "n": [1, [2, 3]]}},',
      '  "spec": {"ports": [{"port": 80}]}},',
      ' {"kind": "Service", "metadata": {"name": "b"},',
      '  "spec": {"ports": [{"port": 80}, {"port": 70000}]}}',
      ']}',
    ].join('\n');
    const err = failure(text);
    expect(err).toMatchObject({ line: 5, path: 'items[1].spec.ports[1].port' });
  });

  it('ip -j addr entry without a name', () => {
    const err = failure(
      '[{"ifindex":1,"ifname":"lo","addr_info":[]},\n {"ifindex":2,"addr_info":[]}]',
      'ip-addr',
    );
    expect(err).toMatchObject({ line: 2, path: '[1]' });
  });

  it('a JSON document that is not a Kubernetes object', () => {
    const err = failure('{"hello": "world"}', 'kubectl');
    expect(err.reason).toMatch(/no "kind"/);
  });
});

describe('malformed text snapshots name the line', () => {
  it('ipvsadm real server before any virtual service, and a bad weight', () => {
    const head =
      'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
    expect(failure(`${head}  -> 10.0.0.1:80  Masq 1 0 0\n`)).toMatchObject({ line: 4, kind: 'ipvsadm' });
    expect(failure(`${head}TCP  10.96.0.1:443 rr\n  -> 10.0.0.1:80  Masq one 0 0\n`).reason).toMatch(
      /bad Weight "one"/,
    );
  });

  it('iptables-save cut off before COMMIT, or a rule outside a table', () => {
    const text = sharedText('single-node/clusterip/snapshot/node-iptables-save.txt');
    const lines = text.split('\n');
    const cut = lines.slice(0, 60).join('\n');
    expect(failure(cut, 'iptables-save').reason).toMatch(/table nat has no COMMIT/);
    expect(failure('-A KUBE-SERVICES -j ACCEPT\n', 'iptables-save')).toMatchObject({ line: 1 });
    expect(failure('*nat\n-A KUBE-SERVICES -m comment --comment "unterminated -j X\nCOMMIT\n')).toMatchObject(
      { line: 2 },
    );
  });

  it('nft ruleset truncated inside a block, or with a stray brace', () => {
    const text = localText('nft-cluster/nft-node-1-nft-list-ruleset.txt');
    const cut = text.slice(0, text.indexOf('10.96.120.15 . tcp . 80'));
    expect(failure(cut).reason).toMatch(/never closed|open block/);
    expect(failure('table ip nat {\n}\n}\n')).toMatchObject({ line: 3 });
  });

  it('ip addr address before an interface; conntrack entry with a broken tuple', () => {
    expect(
      failure('    inet 10.0.0.1/24 scope global eth0\n1: lo: <LOOPBACK> mtu 1\n', 'ip-addr'),
    ).toMatchObject({ line: 1 });
    const ct =
      'tcp      6 10 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.999 dst=10.0.0.1 sport=2 dport=1\n';
    expect(failure(ct, 'conntrack')).toMatchObject({ line: 1, kind: 'conntrack' });
  });

  it('an unknown kind', () => {
    expect(SNAPSHOT_KINDS).toContain('ipvsadm-connections');
    expect(isSnapshotKind('toString')).toBe(false);
    const err = failure('anything', 'toString' as SnapshotKind, 'x.txt');
    expect(err.message).toBe('x.txt:1: unknown snapshot kind "toString"');
  });

  it('a text parsed as the wrong kind', () => {
    const err = failure(
      sharedText('single-node/clusterip/snapshot/node-ip-route.txt'),
      'kubectl',
      'route.txt',
    );
    expect(err.file).toBe('route.txt');
    expect(err.line).toBe(1);
  });
});

describe('encoding details', () => {
  it('accepts a byte-order mark and CRLF line ends', () => {
    const json =
      '\uFEFF' + sharedText('single-node/clusterip/snapshot/kubectl-get-nodes.json').replace(/\n/g, '\r\n');
    expect(parseSnapshot(json, { name: 'nodes.json' }).kind).toBe('kubectl');
    const ipt = sharedText('single-node/clusterip/snapshot/node-iptables-save.txt').replace(/\n/g, '\r\n');
    const s = parseSnapshot(ipt, { name: 'ipt.txt' });
    expect(s.kind === 'iptables-save' && s.data.services.length).toBe(7);
  });
});

describe('partially understood input says what it skipped', () => {
  it('ipvsadm with junk lines', () => {
    const s = parseSnapshot(
      'IP Virtual Server version 1.2.1 (size=4096)\nTCP  10.96.0.1:443 rr\nsomething odd\n',
      { name: 'x' },
    );
    expect(s.skipped).toEqual([{ line: 3, reason: 'not an ipvsadm listing line' }]);
  });
});

describe('never a crash', () => {
  // Every fixture, cut at many points and with lines dropped: a parse either succeeds or throws the
  // typed error. Deterministic offsets keep the test repeatable and fast.
  const files: [string, string][] = [];
  for (const scenario of ['single-node/diagnostics', 'multi-node/multinode-vxlan']) {
    for (const f of readdirSync(
      new URL(`../../../../shared/fixtures/${scenario}/snapshot/`, import.meta.url),
    )) {
      files.push([f, sharedText(`${scenario}/snapshot/${f}`)]);
    }
  }
  for (const dir of ['ipvs-cluster', 'nft-cluster']) {
    for (const f of readdirSync(new URL(`./fixtures/${dir}/`, import.meta.url)))
      files.push([f, localText(`${dir}/${f}`)]);
  }

  it.each(files)('%s survives truncation and line loss', (name, text) => {
    const lines = text.split('\n');
    const variants: string[] = [];
    for (let i = 1; i < 12; i++) variants.push(text.slice(0, Math.floor((text.length * i) / 12)));
    for (let i = 0; i < lines.length; i += Math.max(1, Math.floor(lines.length / 8))) {
      variants.push([...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'));
    }
    variants.push(text.replace(/:/g, ';'), text.replace(/\d/g, 'x'), '');
    for (const v of variants) {
      try {
        parseSnapshot(v, { name });
      } catch (err) {
        if (!(err instanceof SnapshotParseError)) throw err;
        expect(err.line).toBeGreaterThanOrEqual(1);
        expect(err.message.startsWith(`${name}:`)).toBe(true);
      }
    }
  });
});
