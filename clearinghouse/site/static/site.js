// Runs the checks of verify.js on the page: marks each [data-verify] element "ok" or
// "fail", and says in plain words at the top of the page when anything failed.
(function () {
  "use strict";
  const V = window.ClearinghouseVerify;
  const STORE = "clearinghouse.verified-checkpoint";
  const failures = [];
  let firstVisit = false; // no earlier checkpoint in this browser to compare with

  function mark(el, ok, why) {
    el.dataset.verify = ok ? "ok" : "fail";
    const status = el.querySelector(".verify-status");
    if (status) status.textContent = ok ? "verified" : "FAILED";
    if (!ok && why) failures.push(why);
  }

  function banner() {
    const box = document.getElementById("verify-banner");
    if (!box) return;
    if (failures.length) {
      box.className = "banner banner-fail";
      box.textContent = "Verification failed: " + failures.join(" ") +
        " What this page shows may not be what the log holds.";
    } else {
      box.className = "banner banner-ok";
      box.textContent = firstVisit
        ? "Verified in this browser: the checkpoint signature and the inclusion of every entry shown. First visit from this browser: there is no earlier checkpoint to compare this one with yet; it is remembered, and the next visit checks that the log only grew."
        : "Verified in this browser: the checkpoint signature, the inclusion of every entry shown, and consistency with the checkpoint this browser saw before.";
    }
    box.hidden = false;
  }

  async function consistency(el, head, vkey) {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { saved = null; }
    const remember = () => localStorage.setItem(STORE, JSON.stringify(
      { origin: head.origin, size: head.size, root: V.b64encode(head.root), vkey: vkey }));
    const said = el.querySelector(".verify-detail");
    if (!saved || saved.origin !== head.origin) {
      remember();
      if (said) said.textContent = "First visit from this browser: checkpoint of " + head.size + " entries remembered; nothing to compare it with yet.";
      firstVisit = true;
      mark(el, true);
      const status = el.querySelector(".verify-status");
      if (status) status.textContent = "remembered (first visit)";
      return;
    }
    if (saved.vkey !== vkey) {
      return mark(el, false, "The log's signing key is not the one this browser saw before.");
    }
    if (saved.size > head.size) {
      return mark(el, false, "The log has fewer entries (" + head.size + ") than this browser saw before (" + saved.size + ").");
    }
    let ok = false;
    if (saved.size === 0) {
      ok = true;
    } else {
      const url = el.dataset.url + "?first=" + saved.size + "&second=" + head.size;
      const answer = await fetch(url, { credentials: "omit" });
      if (answer.ok) {
        const proof = (await answer.json()).hashes.map(V.b64decode);
        ok = await V.verifyConsistency(saved.size, head.size, V.b64decode(saved.root), head.root, proof);
      }
    }
    if (!ok) {
      return mark(el, false, "This checkpoint is not consistent with the one this browser verified before (" + saved.size + " entries): the log may have been rewritten.");
    }
    remember();
    if (said) said.textContent = "Consistent with the checkpoint of " + saved.size + " entries this browser verified before.";
    mark(el, true);
  }

  async function run() {
    const box = document.getElementById("checkpoint-box");
    if (!box) return;
    let head;
    try {
      const verifier = await V.parseVkey(box.dataset.vkey);
      head = V.parseCheckpoint(await V.openNote(box.dataset.note, verifier));
      if (head.origin !== verifier.name) throw new Error("origin differs from key name");
      mark(box, true);
    } catch (e) {
      mark(box, false, "The checkpoint's signature does not verify against the log's key (" + e.message + ").");
      document.querySelectorAll("[data-verify=pending]").forEach((el) => mark(el, false, ""));
      return;
    }
    for (const el of document.querySelectorAll("[data-leaf]")) {
      const proof = el.dataset.proof ? el.dataset.proof.split(",").map(V.b64decode) : [];
      const ok = await V.verifyInclusion(Number(el.dataset.index), head.size,
        V.b64decode(el.dataset.leaf), proof, head.root);
      mark(el, ok, "Entry " + el.dataset.index + " is not included in the signed checkpoint.");
    }
    const cons = document.getElementById("consistency");
    if (cons) await consistency(cons, head, box.dataset.vkey);
  }

  run().catch((e) => {
    document.querySelectorAll("[data-verify=pending]").forEach((el) => mark(el, false, ""));
    failures.push("Verification could not run: " + e.message + ".");
  }).finally(banner);
})();
