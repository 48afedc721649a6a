// Push handlers of the service worker. Served at /push-sw.js (scope "/") when the site has no
// other service worker; the site's main worker imports it instead:
//   importScripts("/static/js/push-sw.js");
// A message is small and discreet: {kind, title, body, path, tag} — no summary, no link text.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const title = message.title || "Upstander Network";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || "",
      tag: message.tag || undefined,
      renotify: Boolean(message.tag),
      requireInteraction: message.kind === "ask",
      icon: "/static/favicon.svg",
      // Only a path on this site is ever opened.
      data: { path: typeof message.path === "string" && message.path.startsWith("/") && !message.path.startsWith("//") ? message.path : "/feed/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data && event.notification.data.path ? event.notification.data.path : "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target && "focus" in client) {
          return client.focus();
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
