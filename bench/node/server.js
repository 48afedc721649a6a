// Baseline: a bare socket.io server. POST /broadcast {"event": ..., "payload": ...} broadcasts
// the payload to every connection of the /feed namespace. Usage: node server.js PORT
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const server = http.createServer((request, response) => {
  if (request.method !== "POST" || request.url !== "/broadcast") {
    response.writeHead(request.url === "/healthz" ? 200 : 404).end();
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const { event, payload } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    feed.emit(event, payload);
    response.writeHead(204).end();
  });
});
const sockets = new Server(server, { transports: ["websocket"], serveClient: false });
const feed = sockets.of("/feed");
server.listen(Number(process.argv[2]), "127.0.0.1");
