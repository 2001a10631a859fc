// gongkai live reload, shared by every tab of one origin: one event stream for all of them
// (an open stream holds one of the six HTTP/1.1 connections a browser allows per host).
'use strict';
const ports = new Set();
const post = (message) => {
  for (const port of ports) port.postMessage(message);
};
let server = null;
let build = null;

if (typeof EventSource === 'function') {
  const source = new EventSource(new URL('/__gongkai/events', self.location.href).href);
  source.addEventListener('hello', (event) => {
    const hello = JSON.parse(event.data);
    // A new server run: every page may differ. The same run after a dropped connection: each
    // tab asks whether its page changed meanwhile.
    if (server !== null && hello.server !== server) post({ type: 'reload', paths: null });
    else if (build !== null && hello.build !== build) post({ type: 'check' });
    server = hello.server;
    build = hello.build;
  });
  for (const type of ['reload', 'css', 'build-error']) {
    source.addEventListener(type, (event) => {
      const message = JSON.parse(event.data);
      if (typeof message.build === 'number') build = message.build;
      post({ ...message, type });
    });
  }
}

self.addEventListener('connect', (event) => {
  const port = event.ports[0];
  if (typeof EventSource !== 'function') {
    port.postMessage({ type: 'unsupported' });
    return;
  }
  ports.add(port);
  port.addEventListener('message', (message) => {
    if (message.data === 'bye') ports.delete(port);
  });
  port.start();
});
