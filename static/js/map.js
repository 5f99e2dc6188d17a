// Maps on Leaflet (static/vendor/leaflet). Each map element says what it is:
//   <div data-map="pick">    the listing form: a click (or dragging the pin) fills the form's
//                            [data-map-lat] / [data-map-lng] fields; typing in them moves the pin
//   <div data-map="point" data-lat data-lng>   the listing page: the flat's pin
//   <div data-map="points" data-points="[...]">   search results: pins from the JSON in data-points
// data-tiles is the tile server's URL template (empty: no tiles, a blank map still picks and shows);
// data-attribution the tiles' credit. The elements are rendered hidden: without Leaflet (offline,
// blocked, no JavaScript) they stay hidden and the text fields remain.
(() => {
  const L = window.L;
  if (!L) return;
  const UZ = L.latLngBounds([37.0, 55.0], [46.0, 74.0]);
  const TASHKENT = [41.3111, 69.2797];

  function makeMap(element, center, zoom) {
    const wrap = element.closest("[data-map-wrap]");
    if (wrap) wrap.hidden = false;
    element.hidden = false;
    const map = L.map(element, { maxBounds: UZ.pad(0.1), minZoom: 5, scrollWheelZoom: false }).setView(center, zoom);
    const tiles = element.dataset.tiles;
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
    else element.classList.add("map-blank");
    element.kbMap = map; // for the browser tests
    return map;
  }

  function number(value) {
    const parsed = parseFloat(String(value || "").replace(",", "."));
    return Number.isFinite(parsed) ? parsed : null;
  }

  function picker(element) {
    const form = element.closest("form");
    const lat = form && form.querySelector("[data-map-lat]");
    const lng = form && form.querySelector("[data-map-lng]");
    if (!lat || !lng) return;
    const start = [number(lat.value), number(lng.value)];
    const has = start[0] !== null && start[1] !== null && UZ.contains(start);
    const map = makeMap(element, has ? start : TASHKENT, has ? 16 : 11);
    let marker = null;
    function place(latlng, fill) {
      if (!UZ.contains(latlng)) return;
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", () => place(marker.getLatLng(), true));
      } else marker.setLatLng(latlng);
      if (fill) {
        lat.value = latlng.lat.toFixed(6);
        lng.value = latlng.lng.toFixed(6);
        lat.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
    if (has) place(L.latLng(start), false);
    map.on("click", (event) => place(event.latlng, true));
    const follow = () => {
      const point = [number(lat.value), number(lng.value)];
      if (point[0] !== null && point[1] !== null && UZ.contains(point)) {
        place(L.latLng(point), false);
        map.panTo(point);
      }
    };
    lat.addEventListener("change", follow);
    lng.addEventListener("change", follow);
    element.dataset.mapReady = "1";
  }

  function point(element) {
    const latlng = [number(element.dataset.lat), number(element.dataset.lng)];
    if (latlng[0] === null || latlng[1] === null) return;
    const map = makeMap(element, latlng, 15);
    L.marker(latlng, { title: element.dataset.title || "" }).addTo(map);
    element.dataset.mapReady = "1";
  }

  function points(element) {
    let rows = [];
    try {
      rows = JSON.parse(element.dataset.points || "[]");
    } catch (error) {
      rows = [];
    }
    const map = makeMap(element, TASHKENT, 11);
    const bounds = [];
    for (const row of rows) {
      const marker = L.marker([row.lat, row.lng], { title: row.title }).addTo(map);
      const box = document.createElement("div");
      const link = document.createElement("a");
      link.href = row.url;
      link.textContent = row.title;
      const price = document.createElement("div");
      price.className = "map-price";
      price.textContent = row.price;
      box.append(link, price);
      marker.bindPopup(box);
      bounds.push([row.lat, row.lng]);
    }
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    else if (bounds.length === 1) map.setView(bounds[0], 15);
    element.dataset.mapReady = "1";
    element.dataset.markers = String(rows.length);
  }

  const kinds = { pick: picker, point: point, points: points };
  for (const element of document.querySelectorAll("[data-map]")) {
    const init = kinds[element.dataset.map];
    if (init) init(element);
  }
})();
