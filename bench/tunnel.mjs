#!/usr/bin/env node
// Tunnel benchmark: throughput and latency through a rendered WireGuard pair against the plain
// underlay between the same two network namespaces. Not a test: it prints figures.
//
//   npm run build && node bench/tunnel.mjs      (as root; needs iperf3, ping, wireguard-go:
//                                               apt-get install iperf3 wireguard-tools wireguard-go)
//   BENCH_RUNS=5 BENCH_SECONDS=10 BENCH_PINGS=200 node bench/tunnel.mjs
//
// A two-service project (`client` links `server`) is rendered by the real CLI and run the way
// the tunnel tier runs stacks (test/tunnel/engine.ts: namespaces on a veth/bridge underlay,
// the stack's own sidecar script, wg-quick, wireguard-go, the rendered MTU). Then, alternating
// underlay and tunnel so drift hits both alike:
//   throughput  iperf3 -c ADDR -t BENCH_SECONDS (TCP, one stream, client → server), median of BENCH_RUNS
//   latency     ping -c BENCH_PINGS -i 0.01, median round trip (after a warm-up ping)
// and the tunnel/underlay ratios. Public tools only: iperf3 and ping from Debian.
import { join } from 'node:path';
import { Deployment, readStack } from '../dist/test/tunnel/engine.js';
import { cleanup, must, run, spawnIn, tempDir } from '../dist/test/tunnel/netns.js';
import { renderProject } from '../dist/test/tunnel/project.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const PINGS = Number(process.env['BENCH_PINGS'] ?? 50);

const COMPOSE = `services:
  client:
    image: example/client
    links: [server]
  server:
    image: example/server
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function throughput(d, addr) {
  const r = await d.exec('client', ['iperf3', '-c', addr, '-t', String(SECONDS), '-J'], (SECONDS + 30) * 1000);
  const json = JSON.parse(r.stdout);
  if (json.error) throw new Error(`iperf3 to ${addr}: ${json.error}`);
  return json.end.sum_received.bits_per_second;
}

async function latency(d, addr) {
  await d.exec('client', ['ping', '-n', '-q', '-c', '3', '-i', '0.2', addr]);
  const r = await d.exec('client', ['ping', '-n', '-c', String(PINGS), '-i', '0.01', addr]);
  const times = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  if (times.length < PINGS * 0.9) throw new Error(`ping ${addr}: only ${times.length} of ${PINGS} replies\n${r.stdout}`);
  return median(times);
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root: it creates network namespaces');
  await must('iperf3', ['--version']).catch(() => {
    throw new Error('iperf3 is required: apt-get install iperf3');
  });
  const rendered = await renderProject('bench', { 'compose.yaml': COMPOSE }, ['-f', 'compose.yaml']);
  const d = await Deployment.up(readStack(rendered.stack, rendered.dir));
  try {
    const server = d.get('server');
    const tunnel = rendered.show.services.find((s) => s.name === 'server').addresses[0];
    const underlay = server.addresses.get('default');
    const mtu = (n) => JSON.parse(n)[0].mtu;
    const wgMtu = mtu(await must('ip', ['-n', server.netns, '-j', 'link', 'show', 'dev', server.service.iface]));
    const ethMtu = mtu(await must('ip', ['-n', server.netns, '-j', 'link', 'show', 'dev', 'eth0']));
    const iperfLog = join(tempDir('bench'), 'iperf3.log');
    spawnIn(server.netns, ['iperf3', '-s'], process.env, iperfLog);
    for (let i = 0; i < 50 && (await run('ip', ['netns', 'exec', server.netns, 'ss', '-ltnH', 'sport = :5201'])).stdout.trim() === ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }

    const bps = { underlay: [], tunnel: [] };
    const rtt = { underlay: [], tunnel: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [path, addr] of [
        ['underlay', underlay],
        ['tunnel', tunnel],
      ]) {
        bps[path].push(await throughput(d, addr));
        process.stderr.write(`  ${path} run ${i + 1}: ${(bps[path].at(-1) / 1e9).toFixed(2)} Gbit/s\n`);
      }
    }
    for (const [path, addr] of [
      ['underlay', underlay],
      ['tunnel', tunnel],
    ]) {
      rtt[path].push(await latency(d, addr));
    }

    const tU = median(bps.underlay);
    const tT = median(bps.tunnel);
    const lU = median(rtt.underlay);
    const lT = median(rtt.tunnel);
    const row = (name, u, t, ratio) => `${name.padEnd(44)}${u.padStart(14)}${t.padStart(14)}${ratio.padStart(18)}`;
    console.log(`wg-compose tunnel benchmark: wireguard-go (userspace, no kernel module), ${RUNS} runs, ${new Date().toISOString()}`);
    console.log(`tunnel MTU ${wgMtu} (rendered), underlay veth MTU ${ethMtu}; client ${d.get('client').addresses.get('default')} → server ${underlay} / ${tunnel}`);
    console.log(row('', 'underlay', 'tunnel', 'tunnel/underlay'));
    console.log(row(`throughput, iperf3 TCP ${SECONDS} s, median of ${RUNS}`, `${(tU / 1e9).toFixed(2)} Gbit/s`, `${(tT / 1e9).toFixed(2)} Gbit/s`, (tT / tU).toFixed(3)));
    console.log(row(`latency, median RTT of ${PINGS} pings`, `${lU.toFixed(3)} ms`, `${lT.toFixed(3)} ms`, `${(lT / lU).toFixed(1)}×`));
  } finally {
    await d.down();
    await cleanup();
  }
}

main().catch((e) => {
  console.error(`bench/tunnel.mjs: ${e.message}`);
  process.exitCode = 1;
});
