// Turn Web Push on or off for this device (the notifications page). No inline script (CSP).
(function () {
  "use strict";
  const box = document.getElementById("push-device");
  if (!box || !box.dataset.serverKey || !("serviceWorker" in navigator) || !("PushManager" in window)) {
    return;
  }
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  const status = document.getElementById("push-status");
  const texts = document.getElementById("push-texts").content;
  const say = (key) => {
    const text = texts.querySelector('[data-key="' + key + '"]');
    status.textContent = text ? text.textContent : "";
  };
  const headers = {
    "Content-Type": "application/json",
    "X-CSRFToken": box.dataset.csrf,
    "X-Requested-With": "fetch",
  };

  function serverKey() {
    const base64 = box.dataset.serverKey.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  // One service worker per scope: use the site's own when it has one (it imports the push
  // handlers), and register the push worker only when there is none.
  async function registration() {
    const existing = await navigator.serviceWorker.getRegistration("/");
    if (existing) {
      return existing;
    }
    await navigator.serviceWorker.register(box.dataset.worker, { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  function deviceName() {
    const agent = navigator.userAgent;
    const browser = /Firefox\//.test(agent) ? "Firefox" : /Edg\//.test(agent) ? "Edge" : /Chrome\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "Browser";
    const system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Mac OS/.test(agent) ? "macOS" : /Windows/.test(agent) ? "Windows" : /Linux/.test(agent) ? "Linux" : "";
    return system ? browser + " · " + system : browser;
  }

  async function current() {
    const reg = await navigator.serviceWorker.getRegistration("/");
    return reg ? reg.pushManager.getSubscription() : null;
  }

  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    say(subscribed ? "on" : "off");
  }

  async function turnOn() {
    if ((await Notification.requestPermission()) !== "granted") {
      say("denied");
      return;
    }
    try {
      const reg = await registration();
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: serverKey(),
      });
      const body = subscription.toJSON();
      const response = await fetch(box.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: headers,
        body: JSON.stringify({ endpoint: body.endpoint, keys: body.keys, device: deviceName() }),
      });
      if (!response.ok) {
        await subscription.unsubscribe();
        throw new Error(String(response.status));
      }
      window.location.reload();
    } catch (error) {
      say("failed");
    }
  }

  async function turnOff() {
    const subscription = await current();
    if (subscription) {
      const listing = await fetch(box.dataset.api, { credentials: "same-origin", headers: headers });
      if (listing.ok) {
        const mine = (await listing.json()).items.find((item) => item.endpoint === subscription.endpoint);
        if (mine) {
          await fetch(box.dataset.api + "/" + mine.id, { method: "DELETE", credentials: "same-origin", headers: headers });
        }
      }
      await subscription.unsubscribe();
    }
    window.location.reload();
  }

  on.addEventListener("click", turnOn);
  off.addEventListener("click", turnOff);
  box.hidden = false;
  current().then((subscription) => show(Boolean(subscription)), () => show(false));
})();
