// Live auction panel: a WebSocket to /ws/auctions/<id>/ pushes the state after
// every change. Every message carries the server time; the countdown is the
// server's "ends_at - server_time", never the browser's clock. On reconnect and
// when the tab gets focus again the page asks for a fresh state ("sync").
// Without JavaScript the panel is complete as the server rendered it.
(function () {
  const panel = document.querySelector("[data-auction-live]");
  if (!panel || !("WebSocket" in window)) return;
  const $ = (name) => panel.querySelector(`[data-live="${name}"]`);
  const nbsp = "\u00a0";
  const group = (v) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, nbsp);
  const unit = panel.dataset.soum || "сум";
  const soum = (v) => `${group(v)}${nbsp}${unit}`;
  const userToken = panel.dataset.userToken;
  let socket = null, retry = 0, status = null;

  const render = (s) => {
    const receivedAt = performance.now();
    const serverNow = Date.parse(s.server_time);
    // The label in the page's language (the broadcast is the same for every reader).
    const statusLabel = (el) => el.dataset[`label${s.status.charAt(0).toUpperCase()}${s.status.slice(1)}`] || s.status_label;
    if ($("status")) { $("status").textContent = statusLabel($("status")); $("status").className = `badge status-${s.status}`; }
    if ($("price")) $("price").textContent = s.current_price ? soum(s.current_price) : "—";
    if ($("min")) $("min").textContent = soum(s.min_next_bid);
    if ($("count")) $("count").textContent = s.bid_count;
    if ($("reserve") && s.reserve_met !== null) $("reserve").textContent = s.reserve_met ? $("reserve").dataset.yes : $("reserve").dataset.no;
    if ($("buy-now") && !s.buy_now_available) $("buy-now").hidden = true;
    if ($("leader-note")) $("leader-note").hidden = !(userToken && s.leader_token === userToken);
    const ends = new Date(s.ends_at);
    if ($("ends")) $("ends").textContent = ends.toLocaleString("ru-RU", { timeZone: "Asia/Tashkent", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }).replace(",", "");
    const countdown = $("countdown");
    if (countdown && window.kbCountdownSet) {
      countdown.dataset.live = "countdown";
      window.kbCountdownSet(countdown, Math.max(0, (Date.parse(s.ends_at) - serverNow) / 1000 - (performance.now() - receivedAt) / 1000));
    }
    const list = $("bids");
    if (list) {
      list.replaceChildren(...s.bids.map((b) => {
        const li = document.createElement("li");
        const who = document.createElement("span");
        who.textContent = b.bidder + (b.auto ? ` (${list.dataset.auto})` : "");
        const amount = document.createElement("b");
        amount.textContent = soum(b.amount);
        const at = document.createElement("time");
        at.textContent = new Date(b.at).toLocaleTimeString("ru-RU", { timeZone: "Asia/Tashkent" });
        li.append(who, amount, at);
        return li;
      }));
      list.hidden = s.bids.length === 0;
      if ($("no-bids")) $("no-bids").hidden = s.bids.length > 0;
    }
    if (status && status !== s.status && (s.status === "ended" || s.status === "cancelled")) {
      setTimeout(() => location.reload(), 500);  // the result block is rendered by the server
    }
    status = s.status;
    panel.dataset.serverTime = s.server_time;
  };

  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${panel.dataset.auctionLive}`);
    socket.onopen = () => { retry = 0; panel.dataset.liveConnected = "1"; };
    socket.onmessage = (event) => {
      try { const msg = JSON.parse(event.data); if (msg.type === "state") render(msg); } catch (e) { /* ignore */ }
    };
    socket.onclose = () => {
      panel.dataset.liveConnected = "";
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);  // the server sends the full state again on connect
    };
  };
  const sync = () => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "sync" })); };
  window.kbLiveSync = sync;
  window.addEventListener("focus", sync);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
  connect();

  // Amounts in words under the bid inputs (the typo guard; the server asks again for huge bids).
  const words = window.kbAmountInWords;
  document.querySelectorAll("[data-words-for]").forEach((hint) => {
    const input = document.getElementById(hint.dataset.wordsFor);
    if (!input || !words) return;
    const update = () => { const v = parseInt(String(input.value).replace(/\s/g, ""), 10); hint.textContent = v > 0 ? `${words(v)} ${unit}` : ""; };
    input.addEventListener("input", update);
    update();
  });
})();
