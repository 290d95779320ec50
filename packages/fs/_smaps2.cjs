const fs = require('fs');
function snap() {
  const m = new Map(); let cur;
  for (const l of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const h = l.match(/^([0-9a-f]+)-([0-9a-f]+) (\S+) (\S+) \S+ \S+\s*(.*)$/);
    if (h) { cur = (h[5] || '[anon]').replace(/.*\//, '') + ' ' + h[3] + ' off=' + h[4] + ' ' + ((parseInt(h[2],16)-parseInt(h[1],16))>>20)+'M'; continue; }
    const r = l.match(/^Rss:\s+(\d+)/); if (r) m.set(cur, (m.get(cur) || 0) + +r[1]);
  }
  return m;
}
const a = snap();
for (const mod of process.argv.slice(2)) require(mod);
const b = snap();
const rows = [...b].map(([k, v]) => [k, v - (a.get(k) || 0)]).filter(([, d]) => Math.abs(d) > 50).sort((x, y) => y[1] - x[1]);
for (const [k, d] of rows) console.log((d / 1024).toFixed(2).padStart(7), 'MiB', k);
