// Times the npm package whatsapp-chat-parser on one export, counting reading
// the file, deciding the date order (the package's own daysFirst detection)
// and parsing every message. Prints one JSON line, the same shape as
// bench/parse/measure prints for chatlens.
//
//   node bench/parse/node/measure.mjs /tmp/chat.txt
import { readFileSync, statSync } from 'node:fs';
import { resourceUsage } from 'node:process';
import { parseString } from 'whatsapp-chat-parser';

const path = process.argv[2];
if (!path) {
  console.error('usage: node measure.mjs FILE');
  process.exit(2);
}
const start = process.hrtime.bigint();
const text = readFileSync(path, 'utf8');
const messages = parseString(text);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const bytes = statSync(path).size;
console.log(JSON.stringify({
  parser: 'whatsapp-chat-parser',
  messages: messages.length,
  bytes,
  seconds,
  messages_per_s: messages.length / seconds,
  mb_per_s: bytes / 1e6 / seconds,
  max_rss_kib: resourceUsage().maxRSS,
  node: process.version,
}));
