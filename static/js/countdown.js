// Counts down [data-seconds-left] elements. The server rendered the remaining
// seconds from its own clock, so the browser's clock never decides anything.
// auction-live.js resets a node with fresh server figures through
// window.kbCountdownSet(node, seconds).
(function () {
  const fmt = (s, units) => {
    const [du, hu, mu] = (units || "d|h|min").split("|");
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60), sec = Math.floor(s % 60), p = (n) => String(n).padStart(2, "0");
    return d > 0 ? `${d} ${du} ${p(h)} ${hu} ${p(m)} ${mu}` : `${p(h)}:${p(m)}:${p(sec)}`;
  };
  const pageStart = performance.now();
  const left = (n) => {
    const base = n.dataset.baseMs ? Number(n.dataset.baseMs) : pageStart;
    return Math.max(0, Number(n.dataset.secondsLeft) - (performance.now() - base) / 1000);
  };
  const tick = () => {
    document.querySelectorAll("[data-seconds-left]").forEach((n) => {
      if (n.closest("[hidden]")) return;  // a row for another phase of the auction (to start / to end)
      const s = left(n);
      n.textContent = fmt(s, n.dataset.units);
      // Without a live connection, reload at zero to show the recorded result.
      if (s === 0 && !n.dataset.reloaded) {
        n.dataset.reloaded = "1";
        // Live page: ask the server for the state (its clock decides; an ended auction reloads the page).
        if (n.closest('[data-live-connected="1"]') && window.kbLiveSync) setTimeout(window.kbLiveSync, 1500);
        else setTimeout(() => location.reload(), 1500);
      }
    });
  };
  window.kbCountdownSet = (node, seconds) => {
    node.dataset.secondsLeft = String(seconds);
    node.dataset.baseMs = String(performance.now());
    if (seconds > 0) delete node.dataset.reloaded;
    tick();
  };
  tick();
  setInterval(tick, 1000);
})();
