// Verifies what the transparency site shows, in the reader's browser, with WebCrypto:
// the checkpoint's signed-note signature against the log's verifier key, each shown
// entry's RFC 9162 inclusion proof against that checkpoint, and consistency with the
// last checkpoint this browser verified (kept in localStorage). The same functions run
// under node against tests/vectors/tlog.
(function (root) {
  "use strict";
  const subtle = root.crypto.subtle;
  const enc = new TextEncoder();

  function b64decode(text) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new Error("not base64");
    }
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function b64encode(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  const half = (n) => Math.floor(n / 2);
  const odd = (n) => n % 2 === 1;

  // RFC 9162 §2.1.3.2. Requires 0 <= index < size; true only for a proof that leads
  // from leaf to root exactly.
  async function verifyInclusion(index, size, leaf, proof, rootHash) {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && 0 <= index && index < size)) return false;
    if (leaf.length !== 32 || rootHash.length !== 32 || proof.some((p) => p.length !== 32)) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        r = await nodeHash(p, r);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(r, rootHash);
  }

  // RFC 9162 §2.1.4.2. Requires 0 < first <= second.
  async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
    if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && 0 < first && first <= second)) return false;
    if (firstRoot.length !== 32 || secondRoot.length !== 32 || proof.some((p) => p.length !== 32)) return false;
    if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
    if (proof.length === 0) return false;
    let m = first;
    while (m % 2 === 0) m /= 2;
    const path = m === 1 ? [firstRoot, ...proof] : proof; // first is a power of two
    let fn = first - 1, sn = second - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  // A note verifier key "<name>+<hex key hash>+<base64(0x01 || key)>"; throws if malformed.
  async function parseVkey(vkey) {
    // The key is base64 and may itself contain "+": split at the first two only.
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
    if (!m) throw new Error("malformed verifier key");
    const [, name, hashHex, keyB64] = m;
    const raw = b64decode(keyB64);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("verifier key is not Ed25519");
    const digest = await sha256(concat(enc.encode(name + "\n"), raw));
    const keyHash = Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    if (keyHash !== hashHex) throw new Error("verifier key hash does not match its key");
    const key = await subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return { name, keyHash: digest.slice(0, 4), key };
  }

  // The text of a signed note if a signature by the verifier is valid; throws otherwise.
  async function openNote(note, verifier) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) throw new Error("malformed note");
    const text = note.slice(0, split + 1);
    for (const line of note.slice(split + 2, -1).split("\n")) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) throw new Error("malformed signature line");
      if (m[1] !== verifier.name) continue;
      const raw = b64decode(m[2]);
      if (raw.length !== 68 || !equal(raw.slice(0, 4), verifier.keyHash)) continue;
      if (await subtle.verify({ name: "Ed25519" }, verifier.key, raw.slice(4), enc.encode(text))) return text;
      throw new Error("the checkpoint signature is not valid");
    }
    throw new Error("the checkpoint is not signed by the log's key");
  }

  // A checkpoint body: origin, decimal size, base64 root hash.
  function parseCheckpoint(text) {
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1])) throw new Error("malformed checkpoint");
    const rootHash = b64decode(lines[2]);
    if (rootHash.length !== 32) throw new Error("malformed checkpoint root");
    return { origin: lines[0], size: Number(lines[1]), root: rootHash };
  }

  const api = { b64decode, b64encode, leafHash, verifyInclusion, verifyConsistency, parseVkey, openNote, parseCheckpoint };
  root.ClearinghouseVerify = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(globalThis);
