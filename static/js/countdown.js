// Counts down [data-seconds-left] elements. The server rendered the remaining
// seconds from its own clock, so the browser's clock never decides anything.
(function () {
  const started = performance.now();
  const nodes = document.querySelectorAll("[data-seconds-left]");
  if (!nodes.length) return;
  // Unit names come translated from the page: data-units="д|ч|мин".
  const fmt = (s, units) => {
    const [du, hu, mu] = (units || "d|h|min").split("|");
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60), sec = Math.floor(s % 60), p = (n) => String(n).padStart(2, "0");
    return d > 0 ? `${d} ${du} ${p(h)} ${hu} ${p(m)} ${mu}` : `${p(h)}:${p(m)}:${p(sec)}`;
  };
  const tick = () => {
    const elapsed = (performance.now() - started) / 1000;
    nodes.forEach((n) => {
      const left = Math.max(0, Number(n.dataset.secondsLeft) - elapsed);
      n.textContent = fmt(left, n.dataset.units);
      if (left === 0 && !n.dataset.reloaded) { n.dataset.reloaded = "1"; setTimeout(() => location.reload(), 1500); }
    });
  };
  tick();
  setInterval(tick, 1000);
})();
