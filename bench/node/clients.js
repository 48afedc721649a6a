// Load generator: many socket.io-client connections (WebSocket transport only) in one Node.js
// process. For every event it tells the driver, as one JSON line on stdout, when the first and
// the last connection of a group had it. Usage: node clients.js CONFIG.json
//
// CONFIG: {"event": "alert.created", "namespace": "/feed", "connectConcurrency": 50,
//          "groups": [{"name": "app", "urls": ["http://127.0.0.1:8001"], "count": 1000,
//                      "tokens": ["upn_..."] | null}]}
// stdin: "report GROUP KEY" prints how many connections of GROUP have had the event KEY.
"use strict";

const fs = require("fs");
const readline = require("readline");
const { performance } = require("perf_hooks");
const { io } = require("socket.io-client");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const now = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-ms
const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");

const arrivals = new Map(); // "group\0key" -> {count, first, last}
const sockets = [];
const connected = {};

function connectOne(group, index) {
  return new Promise((resolve, reject) => {
    const url = group.urls[index % group.urls.length] + config.namespace;
    const options = { transports: ["websocket"], reconnection: false, forceNew: true, timeout: 20000 };
    if (group.tokens) options.auth = { token: group.tokens[index] };
    const socket = io(url, options);
    socket.on(config.event, (data) => {
      const at = now();
      const key = data && data.alert ? data.alert.url : String(data && data.event_id);
      const id = group.name + "\0" + key;
      let seen = arrivals.get(id);
      if (!seen) {
        seen = { count: 0, first: at, last: at };
        arrivals.set(id, seen);
      }
      seen.count += 1;
      seen.last = at;
      if (seen.count === group.count) {
        say({ type: "done", group: group.name, key, count: seen.count, first: seen.first, last: seen.last });
      }
    });
    socket.on("connect", () => {
      connected[group.name] = (connected[group.name] || 0) + 1;
      resolve(socket);
    });
    socket.on("connect_error", (error) => reject(new Error(`${group.name} #${index}: ${error.message}`)));
    socket.on("disconnect", (reason) => {
      connected[group.name] -= 1;
      say({ type: "disconnect", group: group.name, index, reason });
    });
    sockets.push(socket);
  });
}

async function connectAll() {
  const jobs = [];
  for (const group of config.groups) {
    for (let index = 0; index < group.count; index += 1) jobs.push([group, index]);
  }
  const width = config.connectConcurrency || 50;
  let next = 0;
  async function lane() {
    while (next < jobs.length) {
      const [group, index] = jobs[next];
      next += 1;
      for (let attempt = 1; ; attempt += 1) {
        try {
          await connectOne(group, index);
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
          await new Promise((done) => setTimeout(done, 200 * attempt));
        }
      }
    }
  }
  await Promise.all(Array.from({ length: width }, lane));
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, group, ...rest] = line.trim().split(" ");
  if (command === "report") {
    const key = rest.join(" ");
    const seen = arrivals.get(group + "\0" + key) || { count: 0, first: null, last: null };
    say({ type: "report", group, key, ...seen });
  } else if (command === "quit") {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  }
});

connectAll().then(
  () => say({ type: "ready", connected }),
  (error) => {
    say({ type: "error", message: String(error.message || error) });
    process.exit(1);
  },
);
