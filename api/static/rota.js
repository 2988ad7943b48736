// Rota's page script: the viewer's own times, the team filter, copying feed addresses, and
// refreshing who is on support. The page works without it; this only adds.
"use strict";
(function () {
  const fmt = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short",
  });

  // A viewer in UTC already has their time on the page, next to the team's.
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const inUtc = ["UTC", "Etc/UTC", "Etc/GMT"].includes(zone);

  function localTimes(root) {
    if (inUtc) return;
    root.querySelectorAll("time[data-local]").forEach((el) => {
      if (el.nextElementSibling && el.nextElementSibling.classList.contains("yours")) return;
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      const span = document.createElement("span");
      span.className = "yours";
      span.textContent = "your time: " + fmt.format(when);
      el.after(span);
    });
  }

  function filter(input) {
    const target = document.querySelector(input.dataset.filter);
    if (!target) return;
    const needle = input.value.trim().toLowerCase();
    target.querySelectorAll("li[data-name]").forEach((li) => {
      li.hidden = needle !== "" && !li.dataset.name.includes(needle);
    });
  }

  function copy(button) {
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    const done = () => { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, () => { field.select(); });
    } else {
      field.select();
      document.execCommand("copy") && done();
    }
  }

  // Poll the JSON API with its ETag (a 304 costs nothing); when who is on support changed,
  // fetch this page again and swap in its list, so the script never renders on its own.
  function poll(live) {
    const url = live.dataset.poll;
    if (!url) return;
    let tag = null;
    const status = document.querySelector("[data-live]");
    if (status) status.hidden = false;
    async function tick() {
      const headers = tag ? { "If-None-Match": tag } : {};
      const answer = await fetch(url, { headers, credentials: "same-origin", cache: "no-store" });
      if (answer.status === 401 || answer.status === 403) return false;
      if (answer.status === 200) {
        const fresh = answer.headers.get("ETag");
        if (tag !== null && fresh !== tag) {
          const html = await (await fetch(location.href, { credentials: "same-origin" })).text();
          const next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
          if (next) {
            live.innerHTML = next.innerHTML;
            localTimes(live);
            const box = document.querySelector("input[data-filter]");
            if (box) filter(box);
          }
        }
        tag = fresh;
      }
      return true;
    }
    const every = Number(live.dataset.every || 30000);
    const loop = () => tick().then((go) => go && setTimeout(loop, every), () => setTimeout(loop, every));
    loop();
  }

  document.addEventListener("DOMContentLoaded", () => {
    localTimes(document);
    document.querySelectorAll("input[data-filter]").forEach((input) => {
      input.addEventListener("input", () => filter(input));
      filter(input);
    });
    document.querySelectorAll("button[data-copy]").forEach((b) => b.addEventListener("click", () => copy(b)));
    const live = document.getElementById("live");
    if (live) poll(live);
  });
})();
