// The listing's photo gallery (templates/includes/gallery.html). Without this script every thumbnail
// and arrow is a link to ?photo=N and the main photo links to its full-size file; with it:
//   a thumbnail or an arrow shows that photo in place (the address follows, so a reload or a shared
//   link shows the same photo), and the main photo opens a full-screen viewer: arrows, swipe,
//   ← → Home End keys, Esc or ✕ to close, a counter, focus kept inside and given back after.
(() => {
  const SWIPE = 40; // px of horizontal travel that turns the photo

  const setup = (root) => {
    const links = Array.from(root.querySelectorAll("[data-gallery-index]"));
    const main = root.querySelector("[data-gallery-open]");
    const image = root.querySelector("[data-gallery-image]");
    const counter = root.querySelector("[data-gallery-counter]");
    if (!main || !image) return;
    const photos = links.length ? links.map((link) => link.getAttribute("data-full")) : [main.getAttribute("href")];
    const total = photos.length;
    let current = Math.max(0, links.findIndex((link) => link.getAttribute("aria-current") === "true"));
    const label = (name) => root.getAttribute(`data-label-${name}`) || "";

    const show = (index, { remember = true } = {}) => {
      current = (index + total) % total;
      image.src = photos[current];
      main.href = photos[current];
      image.alt = image.alt.replace(/\d+(\D+)\d+$/, `${current + 1}$1${total}`);
      if (counter) counter.textContent = `${current + 1} / ${total}`;
      links.forEach((link, i) => {
        if (i === current) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
      const thumb = links[current];
      if (thumb && thumb.scrollIntoView) thumb.scrollIntoView({ block: "nearest", inline: "nearest" });
      if (remember && window.history.replaceState) {
        const url = new URL(window.location.href);
        url.searchParams.set("photo", String(current + 1));
        url.hash = "gallery";
        window.history.replaceState(null, "", url);
      }
    };

    const plainClick = (event) => event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

    root.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target || !plainClick(event)) return;
      const thumb = target.closest("[data-gallery-index]");
      const step = target.closest("[data-gallery-step]");
      if (thumb) {
        event.preventDefault();
        show(Number(thumb.getAttribute("data-gallery-index")));
      } else if (step) {
        event.preventDefault();
        show(current + Number(step.getAttribute("data-gallery-step")));
      } else if (target.closest("[data-gallery-open]")) {
        event.preventDefault();
        viewer.open(current);
      }
    });

    // The full-screen viewer, built on first use.
    const viewer = (() => {
      let box = null;
      let big = null;
      let count = null;
      let opener = null;
      let at = 0;

      const button = (cls, text, name) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = cls;
        b.textContent = text;
        b.setAttribute("aria-label", label(name));
        return b;
      };

      const render = () => {
        big.src = photos[at];
        big.alt = `${at + 1} / ${total}`;
        count.textContent = `${at + 1} / ${total}`;
        // Fetch the neighbours, so turning is instant.
        [at + 1, at - 1].forEach((i) => { new Image().src = photos[(i + total) % total]; });
      };

      const turn = (step) => {
        at = (at + step + total) % total;
        render();
        show(at);
      };

      const close = () => {
        if (!box || box.hidden) return;
        box.hidden = true;
        document.documentElement.classList.remove("lightbox-open");
        document.removeEventListener("keydown", onKey, true);
        if (opener) opener.focus();
      };

      const onKey = (event) => {
        if (event.key === "Escape") close();
        else if (event.key === "ArrowRight") turn(1);
        else if (event.key === "ArrowLeft") turn(-1);
        else if (event.key === "Home") turn(-at);
        else if (event.key === "End") turn(total - 1 - at);
        else if (event.key === "Tab") {
          // Keep the focus inside the dialog.
          const buttons = Array.from(box.querySelectorAll("button")).filter((b) => b.offsetParent !== null);
          const i = buttons.indexOf(document.activeElement);
          const next = event.shiftKey ? (i <= 0 ? buttons.length - 1 : i - 1) : (i + 1) % buttons.length;
          buttons[next].focus();
        } else return;
        event.preventDefault();
        event.stopPropagation();
      };

      const build = () => {
        box = document.createElement("div");
        box.className = "lightbox";
        box.setAttribute("role", "dialog");
        box.setAttribute("aria-modal", "true");
        box.setAttribute("aria-label", label("dialog"));
        box.setAttribute("data-testid", "lightbox");
        const bar = document.createElement("div");
        bar.className = "lightbox-bar";
        count = document.createElement("span");
        count.className = "lightbox-counter";
        count.setAttribute("data-testid", "lightbox-counter");
        count.setAttribute("aria-live", "polite");
        const shut = button("lightbox-close", "×", "close");
        shut.setAttribute("data-testid", "lightbox-close");
        bar.append(count, shut);
        const stage = document.createElement("div");
        stage.className = "lightbox-stage";
        big = document.createElement("img");
        big.setAttribute("data-testid", "lightbox-image");
        big.draggable = false;
        stage.append(big);
        if (total > 1) {
          const prev = button("lightbox-prev", "‹", "prev");
          const next = button("lightbox-next", "›", "next");
          prev.setAttribute("data-testid", "lightbox-prev");
          next.setAttribute("data-testid", "lightbox-next");
          prev.addEventListener("click", () => turn(-1));
          next.addEventListener("click", () => turn(1));
          stage.append(prev, next);
        }
        box.append(bar, stage);
        shut.addEventListener("click", close);
        // A tap on the dark around the photo closes; a swipe turns (down closes).
        let start = null;
        stage.addEventListener("pointerdown", (event) => {
          if (event.target === big || event.target === stage) start = { x: event.clientX, y: event.clientY };
        });
        stage.addEventListener("pointermove", (event) => {
          if (start && event.target === big) big.style.transform = `translateX(${event.clientX - start.x}px)`;
        });
        stage.addEventListener("pointerup", (event) => {
          if (!start) return;
          const dx = event.clientX - start.x;
          const dy = event.clientY - start.y;
          start = null;
          big.style.transform = "";
          if (Math.abs(dx) > SWIPE && Math.abs(dx) > Math.abs(dy) && total > 1) turn(dx < 0 ? 1 : -1);
          else if (dy > 2 * SWIPE && Math.abs(dy) > Math.abs(dx)) close();
          else if (Math.abs(dx) < 5 && Math.abs(dy) < 5 && event.target === stage) close();
        });
        stage.addEventListener("pointercancel", () => { start = null; big.style.transform = ""; });
        document.body.append(box);
      };

      return {
        open(index) {
          if (!box) build();
          opener = document.activeElement instanceof HTMLElement ? document.activeElement : main;
          at = index;
          render();
          box.hidden = false;
          document.documentElement.classList.add("lightbox-open");
          document.addEventListener("keydown", onKey, true);
          box.querySelector(".lightbox-close").focus();
        },
      };
    })();
  };

  document.querySelectorAll("[data-gallery]").forEach(setup);
})();
