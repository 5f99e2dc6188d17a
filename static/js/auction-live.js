// Live auction panel: a WebSocket to /ws/auctions/<id>/ pushes the state after
// every change. Every message carries the server time; the countdown is the
// server's "ends_at - server_time", never the browser's clock. On reconnect and
// when the tab gets focus again the page asks for a fresh state ("sync").
//
// The panel follows the auction without a reload: parts marked
// data-show="<statuses>" appear and disappear as it moves on (a scheduled page
// shows the bid form at the start, a running one the result at the end); the
// bid amount follows the minimum; "you lead" and "you were outbid" follow the
// leader. The bid form is sent with fetch and its answer shown beside it.
// Without JavaScript the panel is complete as the server rendered it.
(function () {
  const panel = document.querySelector("[data-auction-live]");
  if (!panel) return;
  const $ = (name) => panel.querySelector(`[data-live="${name}"]`);
  const nbsp = "\u00a0";
  const group = (v) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, nbsp);
  const unit = panel.dataset.soum || "сум";
  const soum = (v) => `${group(v)}${nbsp}${unit}`;
  const userToken = panel.dataset.userToken;
  const isSeller = panel.dataset.seller === "1";
  let hasBid = panel.dataset.userBid === "1";
  let status = panel.dataset.status || null;
  let leading = null;  // unknown until the first state
  let socket = null, retry = 0;

  const form = panel.querySelector("form.bid-form");
  const amountInput = form ? form.querySelector("#id_amount") : null;
  const maxInput = form ? form.querySelector("#id_max_amount") : null;
  let amountTyped = false;  // the bidder typed their own amount: keep it while it is still enough
  if (amountInput) amountInput.addEventListener("input", () => { amountTyped = amountInput.value.trim() !== ""; });

  // Amounts in words under the bid inputs (the typo guard; the server asks again for huge bids).
  const wordsUpdaters = [];
  const words = window.kbAmountInWords;
  panel.querySelectorAll("[data-words-for]").forEach((hint) => {
    const input = document.getElementById(hint.dataset.wordsFor);
    if (!input || !words) return;
    const update = () => { const v = parseInt(String(input.value).replace(/\s/g, ""), 10); hint.textContent = v > 0 ? `${words(v)} ${unit}` : ""; };
    input.addEventListener("input", update);
    wordsUpdaters.push(update);
    update();
  });
  const refreshWords = () => wordsUpdaters.forEach((u) => u());

  const showResult = (text, level) => {
    const box = $("bid-result");
    if (!box) return;
    const p = document.createElement("p");
    p.className = `msg msg-${level}`;
    p.textContent = text;
    box.replaceChildren(p);
    // Where the bidder is looking: bring the answer into view if it is not (a phone's small screen).
    // The sticky header covers the top of the viewport.
    const header = document.querySelector(".topbar");
    const top = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
    const r = box.getBoundingClientRect();
    if (r.top < top || r.bottom > window.innerHeight) box.scrollIntoView({ block: "center", behavior: "smooth" });
  };
  const clearResult = () => { const box = $("bid-result"); if (box) box.replaceChildren(); };

  const showFor = (s) => {
    panel.querySelectorAll("[data-show]").forEach((el) => { el.hidden = !el.dataset.show.split(" ").includes(s); });
  };

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
    if ($("buy-now")) $("buy-now").hidden = !s.buy_now_available;  // from the start until the first bid
    const nowLeading = Boolean(userToken) && s.leader_token === userToken;
    if ($("leader-note")) $("leader-note").hidden = !nowLeading;
    if (leading === true && !nowLeading) clearResult();  // "Вы лидируете" no longer holds
    leading = nowLeading;
    if ($("outbid")) $("outbid").hidden = !(hasBid && !nowLeading && s.status === "active");

    // The prefilled amount follows the minimum (unless the bidder typed more).
    if (amountInput) {
      const typed = parseInt(String(amountInput.value).replace(/\s/g, ""), 10);
      if (!amountTyped || !(typed >= Number(s.min_next_bid))) {
        amountInput.value = s.min_next_bid;
        amountTyped = false;
        refreshWords();
      }
    }

    const ends = new Date(s.ends_at);
    if ($("ends")) $("ends").textContent = ends.toLocaleString("ru-RU", { timeZone: "Asia/Tashkent", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }).replace(",", "");
    const elapsed = (performance.now() - receivedAt) / 1000;
    if (window.kbCountdownSet) {
      if ($("countdown")) window.kbCountdownSet($("countdown"), Math.max(0, (Date.parse(s.ends_at) - serverNow) / 1000 - elapsed));
      if ($("countdown-start")) window.kbCountdownSet($("countdown-start"), Math.max(0, (Date.parse(s.starts_at) - serverNow) / 1000 - elapsed));
    }
    const list = $("bids");
    if (list) {
      list.replaceChildren(...s.bids.map((b) => {
        const li = document.createElement("li");
        // As the server renders it (templates/auctions/_panel.html): the phone on one line, "авто" beside it.
        const who = document.createElement("span");
        const phone = document.createElement("span");
        phone.className = "phone";
        phone.textContent = b.bidder;
        who.append(phone);
        if (b.auto) {
          const auto = document.createElement("small");
          auto.className = "note";
          auto.textContent = list.dataset.auto;
          who.append(" ", auto);
        }
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

    // The result, in the page's language.
    const outcome = $("outcome");
    if (outcome && s.outcome) {
      const key = s.outcome.replace(/_(.)/g, (m, c) => c.toUpperCase());
      outcome.textContent = s.outcome === "sold" ? `${outcome.dataset.sold} ${soum(s.current_price)}` : (outcome.dataset[key] || "");
    }
    const won = Boolean(userToken) && s.winner_token === userToken;
    if ($("won")) $("won").hidden = !won;

    if (status !== s.status) {
      showFor(s.status);
      if ($("outbid")) $("outbid").hidden = !(hasBid && !nowLeading && s.status === "active");
      if (won) $("won").hidden = false;
      if (s.status === "ended" || s.status === "cancelled") {
        if (!won && !isSeller) clearResult();
        // The winner and the seller get each other's contacts: only the server has them.
        if ((won || (isSeller && s.outcome === "sold")) && status) setTimeout(() => location.reload(), 300);
      }
    }
    status = s.status;
    panel.dataset.status = s.status;
    panel.dataset.serverTime = s.server_time;
  };

  // The bid form: sent with fetch, answered here (the server answers JSON to Accept: application/json).
  if (form && window.fetch && window.FormData) {
    const send = async (confirmed) => {
      const body = new FormData(form);
      if (confirmed) body.set("confirm", "1");
      const response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin" });
      // Not our JSON (signed out meanwhile, a proxy's error page): let the browser send the form itself.
      if (!(response.headers.get("content-type") || "").includes("application/json")) throw new Error("not json");
      return response.json();
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        let data = await send(false);
        if (data.code === "confirm_required") {
          const v = parseInt(String((amountInput && amountInput.value) || (maxInput && maxInput.value) || "0").replace(/\s/g, ""), 10);
          const question = (form.dataset.confirmWords || data.message).replace("{words}", words ? words(v) : group(v));
          if (!window.confirm(question)) return;
          data = await send(true);
        }
        if (data.ok) {
          hasBid = true;
          amountTyped = false;
          if (maxInput) { maxInput.value = ""; }
        }
        if (data.state) {
          leading = null;  // the answer below says where the bidder stands: rendering must not clear it
          render(data.state);
        }
        showResult(data.message || "", data.ok ? (data.leading ? "success" : "warning") : "error");
      } catch (e) {
        if (e instanceof Error && e.message === "not json") { HTMLFormElement.prototype.submit.call(form); return; }
        showResult(form.dataset.networkError || "Network error", "error");
      } finally {
        if (button) button.disabled = false;
      }
    });
  }

  if (!("WebSocket" in window)) return;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${panel.dataset.auctionLive}`);
    let opened = false;
    socket.onopen = () => { opened = true; retry = 0; refused = 0; panel.dataset.liveConnected = "1"; };
    socket.onmessage = (event) => {
      let msg = null;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (msg && msg.type === "state") render(msg);
    };
    socket.onclose = (event) => {
      panel.dataset.liveConnected = "";
      if (event.code === 4404) return;  // the auction is no longer this visitor's to see
      // A connection refused at the handshake (the server's "not yours to see" arrives as a 403, so
      // the browser only says 1006) is tried for about two minutes, then left: the page still works.
      if (!opened && ++refused >= 8) return;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);  // the server sends the full state again on connect
    };
  };
  const sync = () => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "sync" })); };
  window.kbLiveSync = sync;
  window.addEventListener("focus", sync);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
  connect();
})();
