// Runs clearinghouse/site/static/verify.js over tests/vectors/tlog and the cases given on
// stdin (JSON from the Python test); prints one JSON object of results.
// usage: node verify_vectors.js VERIFY_JS VECTORS_DIR < cases.json
"use strict";
const fs = require("fs");
const path = require("path");
if (!globalThis.crypto) globalThis.crypto = require("crypto").webcrypto;
const V = require(process.argv[2]);
const dir = process.argv[3];
const b64 = V.b64decode;
const lines = (name) => fs.readFileSync(path.join(dir, name), "utf8").trim().split("\n").map(JSON.parse);

(async () => {
  const out = { inclusion: 0, consistency: 0, tampered: [], notes: [], failures: [] };
  const tree = JSON.parse(fs.readFileSync(path.join(dir, "tree.json")));
  const leaves = await Promise.all(tree.entries_hex.map((h) => V.leafHash(Uint8Array.from(Buffer.from(h, "hex")))));
  const roots = tree.roots.map(b64);
  for (const v of lines("inclusion.jsonl")) {
    const ok = await V.verifyInclusion(v.index, v.size, leaves[v.index], v.proof.map(b64), roots[v.size]);
    if (ok) out.inclusion++; else out.failures.push(["inclusion", v.index, v.size]);
  }
  for (const v of lines("consistency.jsonl")) {
    if (v.first === 0) continue;
    const ok = await V.verifyConsistency(v.first, v.second, roots[v.first], roots[v.second], v.proof.map(b64));
    if (ok) out.consistency++; else out.failures.push(["consistency", v.first, v.second]);
  }
  for (const kind of ["inclusion", "consistency"]) {
    for (const name of fs.readdirSync(path.join(dir, "tampered", kind)).sort()) {
      const v = JSON.parse(fs.readFileSync(path.join(dir, "tampered", kind, name)));
      let ok;
      try {
        ok = kind === "inclusion"
          ? await V.verifyInclusion(v.index, v.size, b64(v.leaf_hash), v.proof.map(b64), b64(v.root))
          : await V.verifyConsistency(v.first, v.second, b64(v.first_root), b64(v.second_root), v.proof.map(b64));
      } catch (e) { ok = false; }
      out.tampered.push([kind + "/" + v.desc, v.want, ok ? "ok" : "fail"]);
    }
  }
  const cases = JSON.parse(fs.readFileSync(0, "utf8"));
  for (const c of cases.notes) {
    let got;
    try {
      const text = await V.openNote(c.note, await V.parseVkey(c.vkey));
      const head = c.checkpoint ? V.parseCheckpoint(text) : null;
      got = head ? { size: head.size, root: V.b64encode(head.root), origin: head.origin } : { text };
    } catch (e) { got = { error: e.message }; }
    out.notes.push([c.name, got]);
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(2); });
