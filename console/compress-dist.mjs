// After `vite build`: a gzip copy of every text asset beside it (index-abc.js.gz). The
// gateway's aiohttp FileResponse sends the .gz to browsers that accept gzip, so the
// console loads compressed without compressing on every request. Node's zlib only.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(js|css|html|svg|json)$/.test(name)) {
      writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
    }
  }
}

walk(new URL("./dist", import.meta.url).pathname);
