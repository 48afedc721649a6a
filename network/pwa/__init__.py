"""The installable web app: manifest, icons, service worker, offline page, share target."""
