// Small behaviours of server-rendered pages, kept out of the templates so the
// Content-Security-Policy can forbid inline scripts (script-src 'self'):
//   <select data-autosubmit>        submits its form on change (language switcher, sorting)
//   <form data-confirm="question">  asks before submitting (buy now, cancel an auction)
//   <button data-print>             prints the page (receipts)
//   <div data-reload-after="10">    reloads the page after N seconds (waiting for Click)
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
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  if (document.querySelector("[data-url-clean]") && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  }
  const reload = document.querySelector("[data-reload-after]");
  if (reload) {
    const seconds = Number(reload.getAttribute("data-reload-after")) || 10;
    setTimeout(() => location.reload(), seconds * 1000);
  }
})();
