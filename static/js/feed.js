// The live feed. Cards are rendered on the server; this script only fetches fresh ones.
// With the Socket.IO client, feed events name the alert whose card to fetch again; without it
// (or while the socket is down) the whole list is fetched every 20 seconds. The page works
// without any of this: every control is a plain form.
(() => {
  "use strict";
  const POLL_MS = 20000;
  const FOCUSABLE = "a[href], button, input:not([type=hidden]), textarea, select, summary";
  const root = document.getElementById("feed");
  const status = document.getElementById("feed-status");
  if (!root || !status) return;

  const cursor = root.dataset.cursor || "";
  let lastId = Number.parseInt(root.dataset.lastEventId || "0", 10) || 0;
  let socket = null;
  let pollTimer = null;
  let leaving = false; // the page is being left (e.g. its "Log out" form was submitted)
  const viewers = new Map(); // alert id -> members looking now
  const watched = new Set(); // alert ids announced with "watch" on this connection
  const requests = new Map(); // alert id -> number of the newest card request
  const timers = new Map(); // alert id -> timer gathering a burst of events into one fetch
  const deferred = new Set(); // cards not replaced while the member is typing in them

  const withCursor = (url) => (cursor ? `${url}?cursor=${encodeURIComponent(cursor)}` : url);
  const cardUrl = (id) => withCursor(root.dataset.cardUrl.replace(/\/0\/card$/, `/${id}/card`));
  const itemOf = (id) => document.getElementById(`alert-${id}`);

  function say(text, live) {
    if (status.textContent !== text) status.textContent = text;
    status.classList.toggle("is-live", live);
    status.hidden = false;
  }

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  async function get(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Requested-With": "fetch" },
    });
    // A 401 (or a redirect to the login page) means the session ended: keep what is shown.
    if (response.redirected || response.status === 401) throw new Error("not logged in");
    return response;
  }

  // The member is typing in this part of the page: replacing it would lose their words.
  function busy(element) {
    const active = document.activeElement;
    if (active && element.contains(active) && active.matches("textarea, input[type=text]")) {
      return true;
    }
    return [...element.querySelectorAll("textarea")].some((area) => area.value.trim() !== "");
  }

  // Where keyboard focus is inside `element`, so it can be put back after a replacement.
  function focusIndex(element) {
    const active = document.activeElement;
    if (!active || !element.contains(active)) return -1;
    return [...element.querySelectorAll(FOCUSABLE)].indexOf(active);
  }

  function restoreFocus(element, index) {
    if (index < 0 || !element) return;
    const targets = element.querySelectorAll(FOCUSABLE);
    const target = targets[Math.min(index, targets.length - 1)];
    if (target) target.focus({ preventScroll: true });
  }

  function refreshEmpty() {
    const asks = root.querySelector('[data-list="asks"]');
    const open = root.querySelector('[data-list="open"]');
    const section = document.getElementById("feed-asks");
    if (section && asks) section.hidden = asks.children.length === 0;
    const empty = root.querySelector("[data-empty]");
    if (empty) empty.hidden = (asks ? asks.children.length : 0) + (open ? open.children.length : 0) > 0;
  }

  // Put a card where the urgency order wants it; false when it belongs on another page.
  function insertSorted(list, item) {
    const key = item.dataset.sort;
    const items = [...list.children];
    const next = items.find((other) => other.dataset.sort > key);
    if (list.dataset.list === "open") {
      if (!next && root.querySelector("[data-more]")) return false; // a later page
      if (cursor && next === items[0]) return false; // an earlier page
    }
    list.insertBefore(item, next || null);
    return true;
  }

  function place(item) {
    const id = Number(item.dataset.alertId);
    const old = itemOf(id);
    const list = root.querySelector(
      item.hasAttribute("data-asked") ? '[data-list="asks"]' : '[data-list="open"]',
    );
    if (!list) return;
    const index = old ? focusIndex(old) : -1;
    keepHelpOpen(old, item);
    if (old && old.parentElement === list && old.dataset.sort === item.dataset.sort) {
      old.replaceWith(item);
    } else {
      if (old) old.remove();
      if (!insertSorted(list, item)) return;
    }
    restoreFocus(item, index);
    showViewers(id);
    observe(item);
    refreshEmpty();
    if (!old) announce(item);
  }

  // "Help with this" starts open on wide screens, folded on phones; a fresh copy of a card keeps
  // the state the member left it in.
  const WIDE = window.matchMedia("(min-width: 48rem)");
  function keepHelpOpen(old, item) {
    const help = item.querySelector("details[data-help]");
    if (!help) return;
    const before = old && old.querySelector("details[data-help]");
    help.open = before ? before.open : WIDE.matches;
  }
  if (WIDE.matches) root.querySelectorAll("details[data-help]").forEach((help) => { help.open = true; });

  // Tell screen-reader users about a card that appeared, without moving their focus.
  function announce(item) {
    const region = document.getElementById("feed-announce");
    const title = item.querySelector("h3")?.textContent.trim();
    if (region && title) region.textContent = root.dataset.textNewAlert.replace("{title}", title);
  }

  function drop(id) {
    const item = itemOf(id);
    if (!item) return;
    const hadFocus = item.contains(document.activeElement);
    if (observer) observer.unobserve(item);
    item.remove();
    refreshEmpty();
    if (hadFocus) document.getElementById("main")?.focus();
  }

  async function loadCard(id) {
    const item = itemOf(id);
    if (item && busy(item)) {
      deferred.add(id);
      return;
    }
    const number = (requests.get(id) || 0) + 1;
    requests.set(id, number);
    let response;
    try {
      response = await get(cardUrl(id));
    } catch (error) {
      return;
    }
    if (requests.get(id) !== number) return; // a newer request is on its way
    if (response.status === 204 || response.status === 404) {
      drop(id); // no longer open, hidden, or not ours to see
      return;
    }
    if (!response.ok) return;
    const fresh = parse(await response.text()).querySelector(".feed-item");
    if (requests.get(id) !== number || !fresh) return;
    const current = itemOf(id);
    if (current && busy(current)) {
      deferred.add(id);
      return;
    }
    place(fresh);
  }

  // One claim sends action.updated and alert.updated: fetch the card once for both.
  function refreshCard(id) {
    if (!Number.isInteger(id)) return;
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id);
        loadCard(id);
      }, 120),
    );
  }

  // What the member reads in the list (not the viewers line, which this script writes).
  function signature(container) {
    const items = [...container.querySelectorAll(".feed-item")].map((item) => {
      const copy = item.cloneNode(true);
      copy.querySelectorAll("[data-viewers]").forEach((line) => line.remove());
      const asked = item.hasAttribute("data-asked") ? "asked" : "";
      return `${item.id}${asked}:${copy.textContent.replace(/\s+/g, " ")}`;
    });
    return `${items.join("|")}|${container.querySelector("[data-more]")?.getAttribute("href") || ""}`;
  }

  async function refreshList(force) {
    if (busy(root)) return;
    let response;
    try {
      response = await get(withCursor(root.dataset.listUrl));
    } catch (error) {
      return;
    }
    if (!response.ok) return;
    const seen = Number.parseInt(response.headers.get("X-Feed-Event-Id") || "", 10);
    if (Number.isInteger(seen) && seen > lastId) lastId = seen;
    const fresh = parse(await response.text());
    // Only a real change replaces the list, so focus and reading position stay put.
    if ((!force && signature(fresh) === signature(root)) || busy(root)) return;
    const focused = document.activeElement;
    const card = focused && root.contains(focused) ? focused.closest(".feed-item") : null;
    const index = focusIndex(card || root);
    root.replaceChildren(fresh);
    restoreFocus(card ? itemOf(card.dataset.alertId) || root : root, index);
    root.querySelectorAll(".feed-item").forEach((item) => {
      showViewers(Number(item.dataset.alertId));
      observe(item);
    });
    refreshEmpty();
  }

  function flushDeferred() {
    deferred.forEach((id) => {
      const item = itemOf(id);
      if (!item || !busy(item)) {
        deferred.delete(id);
        refreshCard(id);
      }
    });
  }

  // --- who is looking -------------------------------------------------------------------------

  function showViewers(id) {
    const line = itemOf(id)?.querySelector("[data-viewers]");
    const count = viewers.get(id) || 0;
    if (!line) return;
    line.hidden = count < 1;
    if (count === 1) line.textContent = root.dataset.textViewersOne;
    else if (count > 1) line.textContent = root.dataset.textViewersOther.replace("{n}", count);
  }

  function setViewers(id, count) {
    if (!Number.isInteger(id) || !Number.isInteger(count)) return;
    viewers.set(id, count);
    showViewers(id);
  }

  function watch(id) {
    if (!socket || !socket.connected || watched.has(id)) return;
    watched.add(id);
    socket.emit("watch", { alert_id: id }, (answer) => {
      if (answer && Number.isInteger(answer.viewers)) setViewers(id, answer.viewers);
    });
  }

  const observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver((entries) => {
          entries.forEach((entry) => {
            if (entry.isIntersecting) watch(Number(entry.target.dataset.alertId));
          });
        })
      : null;

  function observe(item) {
    if (observer) observer.observe(item);
    else watch(Number(item.dataset.alertId));
  }

  function observeAll() {
    if (observer) observer.disconnect();
    root.querySelectorAll(".feed-item").forEach(observe);
  }

  // --- connection -----------------------------------------------------------------------------

  function startPolling() {
    say(root.dataset.textPolling, false);
    if (pollTimer === null) pollTimer = setInterval(() => refreshList(false), POLL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }

  function remember(message) {
    if (message && Number.isInteger(message.event_id) && message.event_id > lastId) {
      lastId = message.event_id;
    }
  }

  // Live campaigns: launches appear at once, progress bars move, ended ones go.
  function showCampaign(campaign, launched) {
    const section = document.getElementById("feed-campaigns");
    if (!section || !campaign) return;
    const list = section.querySelector("ul");
    let item = list.querySelector(`[data-campaign-id="${Number(campaign.id)}"]`);
    if (campaign.status !== "live") {
      if (item) item.remove();
      section.hidden = list.children.length === 0;
      return;
    }
    if (!item) {
      item = document.createElement("li");
      item.dataset.campaignId = String(campaign.id);
      const link = document.createElement("a");
      link.href = section.dataset.campaignUrl.replace(/\/0$/, `/${Number(campaign.id)}`);
      link.textContent = campaign.title;
      const tag = document.createElement("span");
      tag.className = "meta";
      tag.textContent = ` ${campaign.hashtag || ""} `;
      const bar = document.createElement("progress");
      bar.setAttribute("aria-label", campaign.title);
      const text = document.createElement("span");
      text.className = "meta";
      text.dataset.progressText = "";
      item.append(link, tag, bar, text);
      if (launched) {
        const badge = document.createElement("strong");
        badge.textContent = ` ${section.dataset.textNew}`;
        item.prepend(badge);
      }
      list.prepend(item);
    }
    const bar = item.querySelector("progress");
    bar.max = campaign.goal;
    bar.value = Math.min(campaign.done, campaign.goal);
    item.querySelector("[data-progress-text]").textContent = section.dataset.textProgress
      .replace("{done}", String(campaign.done)).replace("{goal}", String(campaign.goal));
    section.hidden = false;
  }

  function connect() {
    if (typeof window.io !== "function") {
      startPolling();
      return;
    }
    // auth is asked for on every (re)connection, so the server replays what was missed.
    socket = window.io("/feed", {
      auth: (send) => send({ since: lastId }),
      reconnectionDelayMax: 10000,
    });
    socket.on("connect", () => {
      stopPolling();
      say(root.dataset.textLive, true);
      watched.clear();
      observeAll();
    });
    socket.on("connect_error", () => startPolling());
    socket.on("disconnect", () => startPolling());
    socket.on("alert.created", (message) => {
      remember(message);
      refreshCard(message?.alert?.id);
    });
    socket.on("alert.updated", (message) => {
      remember(message);
      const alert = message?.alert;
      if (!alert) return;
      // An alert that left the feed needs no fetch unless its card is on this page.
      if ((alert.status !== "open" || alert.hidden) && !itemOf(alert.id)) return;
      refreshCard(alert.id);
    });
    socket.on("action.updated", (message) => {
      remember(message);
      refreshCard(message?.action?.alert_id);
    });
    socket.on("ask.created", (message) => {
      remember(message);
      refreshCard(message?.ask?.alert_id);
    });
    // An alert left the feed (hidden, rejected, resolved, expired), live or while this page was
    // away: only its id comes.
    socket.on("alert.removed", (message) => {
      remember(message);
      if (Number.isInteger(message?.alert_id)) drop(message.alert_id);
    });
    socket.on("alert.viewers", (message) => setViewers(message?.alert_id, message?.viewers));
    socket.on("feed.reset", () => refreshList(true));
    // Logged out, password changed or account erased elsewhere: stop listening, reload.
    socket.on("session.ended", () => {
      socket.disconnect();
      // This tab is already leaving (its own "Log out" was submitted): a reload would race
      // that page and show its message twice or not at all.
      if (!leaving) window.location.reload();
    });
    socket.on("campaign.updated", (message) => {
      remember(message);
      showCampaign(message?.campaign, Boolean(message?.launched));
    });
  }

  window.addEventListener("beforeunload", () => {
    leaving = true;
  });
  root.addEventListener("focusout", () => setTimeout(flushDeferred, 0));
  root.addEventListener("input", () => setTimeout(flushDeferred, 0));
  connect();
})();
