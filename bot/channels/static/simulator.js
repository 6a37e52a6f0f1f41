// The simulator page: posts what you type to /simulator/messages and shows the replies.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const text = document.getElementById("text");
  const address = document.getElementById("address");
  const page = document.documentElement;
  // Whether the person is reading the end of the log; if so, a resize (a phone's keyboard
  // opening, a window made smaller) keeps the end in view.
  let atEnd = true;

  // Scroll to the end of the page. The input bar is sticky: at the very end it sits in its own
  // place below the log, so the newest message, choices included, shows just above it.
  // (scrollIntoView on the message would leave it behind the bar.)
  function reveal() {
    window.scrollTo(0, page.scrollHeight);
    atEnd = true;
  }

  function add(kind, content) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = content;
    log.appendChild(item);
    return item;
  }

  function choices(item, reply) {
    const box = document.createElement("div");
    box.className = "choices";
    reply.choices.forEach(function (choice, index) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = (index + 1) + ". " + choice.label;
      button.addEventListener("click", function () { send(String(index + 1)); });
      box.appendChild(button);
    });
    item.appendChild(box);
  }

  async function receive(message) {
    let response;
    try {
      response = await fetch("simulator/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ address: address.value, text: message, lang: navigator.language }),
      });
    } catch (error) {
      add("error", "Could not reach Homeward. Is it running?");
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      add("error", data.error || "Error " + response.status);
      return;
    }
    if (data.replies.length === 0) {
      add("error", "(no reply)");
    }
    for (const reply of data.replies) {
      const item = add("bot", reply.text);
      if (reply.choices.length) {
        choices(item, reply);
      }
    }
  }

  async function send(message) {
    add("person", message);
    reveal();
    await receive(message);
    reveal();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const message = text.value;
    text.value = "";
    send(message);
  });

  window.addEventListener("scroll", function () {
    atEnd = window.scrollY + window.innerHeight >= page.scrollHeight - 2;
  }, { passive: true });
  window.addEventListener("resize", function () {
    if (atEnd) {
      reveal();
    }
  });
  reveal(); // a log drawn with the page (none yet) opens at its newest message
})();
