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
(() => {
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
