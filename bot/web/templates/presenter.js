// Keeps the screen current: the server sends the whole rendered screen whenever it changes
// (event "screen", its fingerprint as the event id).
"use strict";
(() => {
  const screen = document.getElementById("screen");
  const connection = document.getElementById("connection");
  const announcer = document.getElementById("announcer");
  const liveId = () => screen.querySelector(".live")?.dataset.question ?? "";
  let live = liveId();

  const source = new EventSource(location.pathname.replace(/\/$/, "") + "/stream");
  source.addEventListener("screen", (message) => {
    if (message.lastEventId === screen.dataset.version) return;
    screen.innerHTML = message.data;
    screen.dataset.version = message.lastEventId;
    if (liveId() !== live) {
      // Only a new live question moves and is announced; vote counts change quietly.
      live = liveId();
      const section = screen.querySelector(".live");
      section.classList.add("is-new");
      announcer.textContent = section.innerText;
    }
  });
  // "gone" once the link is replaced while the page is open; a closed source when the server
  // refused to reconnect (it answers only 404 to a link that no longer works).
  const gone = () => {
    source.close();
    screen.replaceChildren();
    connection.textContent = "This link no longer works. Ask a moderator for the new one (/present).";
    connection.hidden = false;
  };
  source.addEventListener("gone", gone);
  source.addEventListener("open", () => { connection.hidden = true; });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      gone();
    } else {
      connection.textContent = "Reconnecting…";
      connection.hidden = false;
    }
  });
})();
