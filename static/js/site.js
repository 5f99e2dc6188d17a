// Small behaviours of server-rendered pages, kept out of the templates so the
// Content-Security-Policy can forbid inline scripts (script-src 'self'):
//   <select data-autosubmit>        submits its form on change (language switcher, sorting)
//   <form data-confirm="question">  asks before submitting (buy now, cancel an auction)
//   <button data-print>             prints the page (receipts)
//   <div data-reload-after="10">    reloads the page after N seconds (waiting for Click)
//   <form data-favorite>            the heart on a card (signed in): turned in place, without leaving the page
//   #site-menu-toggle               the phone header's menu (a checkbox, opens without JS): Esc or a tap outside closes it
//   <p data-url-clean>              a one-time notice ("payment received" back from the gateway): the
//                                   query that asked for it leaves the address, so a reload does not repeat it
//   <input data-group-digits>       a price, its digits grouped as you type ("396 000 000"); the server
//                                   drops the spaces
//   <input data-district-for="id">  a district typed with a <datalist>: the list keeps the districts
//                                   of the region chosen in the <select id=id> ([data-region] options)
//   [data-district-filter="id"]     search: the district boxes follow the region <select id=id>, from the
//                                   JSON of every district in its data-districts
(() => {
  const GROUP = "\u00a0";
  function groupDigits(text, initial) {
    const cleaned = text.replace(/[^\d.,]/g, "");
    const separator = cleaned.search(/[.,]/);
    const whole = (separator >= 0 ? cleaned.slice(0, separator) : cleaned).replace(/^0+(?=\d)/, "");
    let fraction = separator >= 0 ? cleaned.slice(separator + 1).replace(/[.,]/g, "").slice(0, 2) : null;
    if (initial && fraction !== null && /^0*$/.test(fraction)) fraction = null; // "850000000.00" as saved
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, GROUP);
    return fraction === null ? grouped : `${grouped}.${fraction}`;
  }
  function regroup(field, initial) {
    const before = field.value;
    const caret = field.selectionStart === null ? before.length : field.selectionStart;
    const digitsBefore = before.slice(0, caret).replace(/[^\d.,]/g, "").length;
    const after = groupDigits(before, initial);
    if (after === before) return;
    field.value = after;
    if (document.activeElement !== field) return;
    let position = 0;
    for (let seen = 0; position < after.length && seen < digitsBefore; position += 1) {
      if (/[\d.]/.test(after[position])) seen += 1;
    }
    field.setSelectionRange(position, position);
  }
  document.addEventListener("input", (event) => {
    const field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-group-digits")) regroup(field, false);
  });
  for (const field of document.querySelectorAll("input[data-group-digits]")) regroup(field, true);

  for (const input of document.querySelectorAll("input[data-district-for]")) {
    const region = document.getElementById(input.dataset.districtFor);
    const list = document.getElementById(input.getAttribute("list") || "");
    if (!(region instanceof HTMLSelectElement) || !list) continue;
    const all = Array.from(list.querySelectorAll("option"), (option) => option.cloneNode(true));
    const sync = (changed) => {
      const code = region.value;
      list.replaceChildren(...all.filter((o) => !code || o.dataset.region === code).map((o) => o.cloneNode(true)));
      const typed = all.find((o) => o.value === input.value);
      if (changed && typed && typed.dataset.region !== code) input.value = ""; // a district of the old region
    };
    region.addEventListener("change", () => sync(true));
    sync(false);
  }

  for (const box of document.querySelectorAll("[data-district-filter]")) {
    const region = document.getElementById(box.getAttribute("data-district-filter") || "");
    if (!(region instanceof HTMLSelectElement)) continue;
    let districts = [];
    try {
      districts = JSON.parse(box.getAttribute("data-districts") || "[]");
    } catch (error) {
      continue;
    }
    region.addEventListener("change", () => {
      // A district of another region would match nothing: the boxes are the new region's, unchecked.
      const shown = districts.filter((d) => !region.value || d.region === region.value);
      box.replaceChildren(
        ...shown.map((d, index) => {
          const label = document.createElement("label");
          label.className = "check";
          const check = document.createElement("input");
          check.type = "checkbox";
          check.name = "district";
          check.value = String(d.id);
          check.id = `id_district_${index}`;
          label.append(check, ` ${d.name}`);
          return label;
        }),
      );
    });
  }

  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-favorite") || !window.fetch) return;
    event.preventDefault();
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((answer) => {
        // Every heart of this flat on the page (the home page may show it twice).
        document.querySelectorAll("form[data-favorite]").forEach((other) => {
          if (other.action !== form.action) return;
          const heart = other.querySelector("button");
          const label = answer.favorite ? heart.dataset.labelOn : heart.dataset.labelOff;
          heart.setAttribute("aria-pressed", answer.favorite ? "true" : "false");
          if (label) {
            heart.setAttribute("aria-label", label);
            heart.title = label;
          }
        });
      })
      .catch(() => form.submit()); // the page's way: the server answers and comes back here
  });
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  const menu = document.getElementById("site-menu-toggle");
  if (menu) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.checked) {
        menu.checked = false;
        menu.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (menu.checked && event.target instanceof Element && !event.target.closest(".topbar")) menu.checked = false;
    });
  }
  if (document.querySelector("[data-url-clean]") && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  }
  const reload = document.querySelector("[data-reload-after]");
  if (reload) {
    const seconds = Number(reload.getAttribute("data-reload-after")) || 10;
    setTimeout(() => location.reload(), seconds * 1000);
  }
})();
