// Shared by the smishing pages: a websocket that reconnects unless the server refused us (4403).
(function () {
  "use strict";
  window.smishingSocket = function (path, onMessage, isFinished) {
    var delay = 500;
    var stopped = false;
    function open() {
      var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(proto + window.location.host + path);
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        delay = 500;
        onMessage(data);
        if (isFinished && isFinished(data)) { stopped = true; socket.close(); }
      };
      socket.onclose = function (event) {
        if (stopped || event.code === 4403) { return; }
        window.setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    open();
  };
})();
