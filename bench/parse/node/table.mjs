// Prints the benchmark table from bench/parse/run.sh's results: the median
// run of each parser and size, and how many times faster chatlens is.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const groups = new Map();
for (const r of rows) {
  const key = `${r.n}\t${r.parser}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const summary = [];
for (const [key, rs] of groups) {
  const [n, parser] = key.split('\t');
  const seconds = median(rs.map((r) => r.seconds));
  summary.push({
    n: Number(n), parser, messages: rs[0].messages, mb: rs[0].bytes / 1e6, seconds,
    cpu: median(rs.map((r) => r.cpu_s ?? NaN)),
    msgs: rs[0].messages / seconds, mbs: rs[0].bytes / 1e6 / seconds,
    rss: Math.max(...rs.map((r) => r.ext_max_rss_kib ?? r.max_rss_kib)) / 1024,
  });
}
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nmachine: ${cpus()[0].model}, ${cpus().length} CPUs; node ${process.version}; median of ${groups.values().next().value.length} runs`);
// Other work on the machine makes timings noisy: say how busy it was.
console.log(`load average (1, 5, 15 min) before the run: ${process.env.LOAD_BEFORE ?? 'unknown'}`);
console.log('| N | file MB | parser | messages | seconds | CPU s | messages/s | MB/s | peak RSS MiB | speed-up |');
console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
for (const s of summary.sort((a, b) => a.n - b.n || a.parser.localeCompare(b.parser))) {
  const other = summary.find((o) => o.n === s.n && o.parser !== s.parser);
  const speedup = s.parser === 'chatlens' && other ? `${fmt(other.seconds / s.seconds, 1)}x` : '';
  console.log(`| ${fmt(s.n)} | ${fmt(s.mb, 1)} | ${s.parser} | ${fmt(s.messages)} | ${fmt(s.seconds, 2)} | ${fmt(s.cpu, 2)} | ${fmt(s.msgs)} | ${fmt(s.mbs, 1)} | ${fmt(s.rss, 1)} | ${speedup} |`);
}
