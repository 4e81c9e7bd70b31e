// Prints the benchmark table from bench/parse/run.sh's results: the median
// run of each contender, shape and size; how many times faster chatlens is
// than the npm parser (wall time); how far the parse is above the floor of a
// bare bufio.Scanner pass; and what --stats costs over the parse alone.
// The two ratios are given twice: of the medians, and paired, the median
// (and range) of each round's own ratio. A round runs the two contenders a
// few seconds apart, so a paired ratio cancels the drift of a shared machine
// (its speed moved by a fifth from one minute to the next while we measured),
// which the medians of the two columns taken apart do not.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const groups = new Map();
for (const r of rows) {
  const key = `${r.shape}\t${r.n}\t${r.parser}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const summary = [];
for (const [key, rs] of groups) {
  const [shape, n, parser] = key.split('\t');
  const seconds = median(rs.map((r) => r.seconds));
  summary.push({
    shape, n: Number(n), parser, runs: rs.length, rounds: rs, messages: rs[0].messages, mb: rs[0].bytes / 1e6, seconds,
    cpu: median(rs.map((r) => r.cpu_s ?? r.self_cpu_s ?? NaN)),
    msgs: rs[0].messages / seconds, mbs: rs[0].bytes / 1e6 / seconds,
    rss: Math.max(...rs.map((r) => r.ext_max_rss_kib ?? r.max_rss_kib)) / 1024,
  });
}
const order = ['chatlens', 'chatlens --stats', 'bufio.Scanner', 'whatsapp-chat-parser'];
const shapes = [...new Set(summary.map((s) => s.shape))];
const find = (s, parser) => summary.find((o) => o.shape === s.shape && o.n === s.n && o.parser === parser);
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
// paired is the median, min and max over rounds of f(a's run, b's run),
// runs matched by round (results.jsonl holds them in round order).
const paired = (a, b, f) => {
  const xs = [];
  for (let k = 0; k < Math.min(a.rounds.length, b.rounds.length); k++) xs.push(f(a.rounds[k], b.rounds[k]));
  return `paired ${fmt(median(xs), 2)}x, ${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)}`;
};
const loads = (process.env.LOADS ?? '').trim().split(/\s+/).filter(Boolean).map(Number);

console.log(`\nmachine: ${cpus()[0].model}, ${cpus().length} CPUs; node ${process.version}; median of ${summary[0].runs} interleaved rounds`);
// Other work on the machine makes timings noisy: say how busy it was.
if (loads.length) {
  console.log(`load average (1 min), sampled before each round and at the end: min ${fmt(Math.min(...loads), 2)}, median ${fmt(median(loads), 2)}, max ${fmt(Math.max(...loads), 2)}`);
}
console.log('| shape | N | file MB | parser | messages | wall s | CPU s | messages/s | MB/s | peak RSS MiB | npm ÷ ours (wall) | ÷ scanner (wall) | ÷ parse (wall, CPU) |');
console.log('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const shape of shapes) {
  const rowsOf = summary.filter((s) => s.shape === shape)
    .sort((a, b) => a.n - b.n || order.indexOf(a.parser) - order.indexOf(b.parser));
  for (const s of rowsOf) {
    const npm = find(s, 'whatsapp-chat-parser');
    const scan = find(s, 'bufio.Scanner');
    const parse = find(s, 'chatlens');
    const ours = s.parser.startsWith('chatlens');
    const speedup = s.parser === 'chatlens' && npm
      ? `${fmt(npm.seconds / s.seconds, 1)}x (${paired(npm, s, (x, y) => x.seconds / y.seconds)})` : '';
    const overFloor = ours && scan ? `${fmt(s.seconds / scan.seconds, 1)}x` : '';
    const overParse = s.parser === 'chatlens --stats' && parse
      ? `${fmt(s.seconds / parse.seconds, 2)}x, ${fmt(s.cpu / parse.cpu, 2)}x (wall ${paired(s, parse, (x, y) => x.seconds / y.seconds)})` : '';
    console.log(`| ${shape} | ${fmt(s.n)} | ${fmt(s.mb, 1)} | ${s.parser} | ${fmt(s.messages)} | ${fmt(s.seconds, 2)} | ${fmt(s.cpu, 2)} | ${fmt(s.msgs)} | ${fmt(s.mbs, 1)} | ${fmt(s.rss, 1)} | ${speedup} | ${overFloor} | ${overParse} |`);
  }
}
